#!/usr/bin/env bash
# The inline fail mode runs the daemon's pipeline: with the daemon down, a
# push (here with a bypass) is checked in-process and leaves the same audit
# record, in the same log, as the daemon leaves for the same push.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["alice"]
TOML
audit="$T/state/audit.jsonl"
start_daemon --config "$T/policy.toml"

# Two servers with the same settings; the same commits go to both.
servers=()
for name in daemon inline; do
  repo="$T/$name.git"
  git init -q --bare "$repo"
  "$BIN/refguard" install --socket "$SOCK" --config "$T/policy.toml" --audit-log "$audit" "$repo" >/dev/null
  servers+=("$repo")
done
work=$(new_clone "${servers[0]}" work)
git -C "$work" remote add inline "${servers[1]}"
commit_file "$work" README.md "# app
" "initial"
commit_file "$work" client.py "OPENAI_API_KEY = \"$(fake_openai_key)\"
" "Add client"

export REMOTE_USER=alice
push "$work" -o "refguard.bypass=rotated already, INC-7" origin HEAD:main
expect_accepted "the daemon lets alice bypass"
expect_no_output "the daemon answered" "checking in-process"

stop_daemon
push "$work" -o "refguard.bypass=rotated already, INC-7" inline HEAD:main
expect_accepted "the inline check lets alice bypass"
expect_output "the hook says it checks in-process" "refguard.failMode=inline: checking in-process instead"
expect_output "the inline check announces the bypass" "BYPASS by alice"
unset REMOTE_USER

python3 - "$audit" "${servers[0]}" "${servers[1]}" <<'PY' && pass "the inline check wrote the daemon's audit record" || fail "the audit records differ or one is missing"
import json, os, sys
path, daemon_repo, inline_repo = sys.argv[1], os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3])
records = [json.loads(line) for line in open(path)]
by_repo = {r["repository"]: r for r in records}
daemon, inline = by_repo[daemon_repo], by_repo[inline_repo]
for record in (daemon, inline):
    for varying in ("time", "duration_ms", "repository"):
        record.pop(varying)
assert daemon["bypass"]["reason"] == "rotated already, INC-7" and daemon["pusher"] == "alice", daemon
assert daemon["findings"] and daemon["findings"][0]["rule"] == "openai-api-key", daemon
if daemon != inline:
    print("daemon:", json.dumps(daemon, indent=1, sort_keys=True))
    print("inline:", json.dumps(inline, indent=1, sort_keys=True))
    sys.exit(1)
PY

# A rejection checked inline is audited too.
commit_file "$work" other.py "ANTHROPIC_API_KEY = \"$(fake_anthropic_key)\"
" "Add another key"
push "$work" inline HEAD:main
expect_rejected "the inline check rejects a key"
if python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; sys.exit(0 if r['verdict']=='reject' and r['findings'][0]['rule']=='anthropic-api-key' else 1)" "$audit"; then
  pass "the inline rejection is in the audit log"
else fail "no audit record for the inline rejection"; fi
finish
