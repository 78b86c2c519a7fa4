#!/usr/bin/env bash
# Issue 18, part 1: push limits are system-policy settings, applied the same
# way on a retry (every new blob counts, scanned before or not), and an admin
# imports an existing history with `git push -o refguard.import`: checked in
# full under the import budget, with progress, an explicit verdict and an
# audit record that says it was an import. Only import (or bypass) users may.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
max_push_mib = 1
time_budget_ms = 60000
import_users = ["migrator"]
import_max_push_mib = 64
import_time_budget_ms = 600000
progress_interval_ms = 100
TOML
start_daemon --config "$T/policy.toml" --audit-log "$T/audit.jsonl"
unset REMOTE_USER

# random_text FILE BYTES: printable, incompressible text (base64 of random bytes).
random_text() {
  python3 -c 'import base64, os, sys; data = base64.encodebytes(os.urandom(int(sys.argv[2]))); open(sys.argv[1], "wb").write(data[:int(sys.argv[2])])' "$1" "$2"
}
# three_mib_history DIR: three commits of 1 MiB of new content each.
three_mib_history() {
  for i in 1 2 3; do
    random_text "$1/data$i.txt" $((1024 * 1024))
    git -C "$1" add "data$i.txt"
    git -C "$1" commit -q -m "data $i"
  done
}
server=$(new_server app)
work=$(new_clone "$server" work)
# An existing history: 3 MiB of new content over a few commits, and a key deep in it.
three_mib_history "$work"
commit_file "$work" bot.py "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "the bot"
commit_file "$work" README.md "# app
" "readme"

REMOTE_USER=dev push "$work" origin HEAD:main
expect_rejected "a push over settings.max_push_mib is refused"
expect_output "the refusal names the limit and the setting" "more than 1 MiB of new file content (settings.max_push_mib"
# Each attempt used to leave the files it scanned in the scan cache, and the
# limit counted only what was read: the third try got through. Every new blob
# counts now, scanned before or not.
for attempt in 2 3 4; do
  REMOTE_USER=dev push "$work" origin HEAD:main
  expect_rejected "retry $attempt meets the same limit"
  expect_output "retry $attempt is refused for the same reason" "more than 1 MiB of new file content"
done

REMOTE_USER=dev push "$work" -o refguard.import origin HEAD:main
expect_rejected "an import by a user who may not import is refused by the ordinary limits"
expect_output "the pusher is told the import was ignored" "refguard.import ignored: dev may not import"

REMOTE_USER=migrator push "$work" -o refguard.import origin HEAD:main
expect_rejected "the import is checked in full: the key in its history blocks it"
expect_output "the import is announced" "import by migrator: every file is checked"
expect_output "the key deep in the history is found" "BLOCKED [openai-api-key]"
expect_no_output "no file was left unscanned" "NOT scanned"
python3 - "$T/audit.jsonl" <<'PY' && pass "the audit record says it was an import, with its findings" || fail "audit: $(tail -n 1 "$T/audit.jsonl")"
import json, sys
last = [json.loads(line) for line in open(sys.argv[1])][-1]
assert last["pusher"] == "migrator" and last.get("import") is True and last["verdict"] == "reject", last
assert any(f["rule"] == "openai-api-key" for f in last["findings"]), last
PY

# A clean history of the same size: the import lands, and a later ordinary
# push is under the ordinary limits again.
server2=$(new_server clean)
work2=$(new_clone "$server2" work2)
three_mib_history "$work2"
REMOTE_USER=migrator push "$work2" -o refguard.import origin HEAD:main
expect_accepted "a clean history of 3 MiB lands in one import"
expect_output "its verdict is explicit" "push accepted"
random_text "$work2/more.txt" $((2 * 1024 * 1024))
git -C "$work2" add more.txt
git -C "$work2" commit -q -m "more"
REMOTE_USER=migrator push "$work2" origin HEAD:main
expect_rejected "without -o refguard.import the ordinary limit applies to the import user too"

# Repository policies cannot raise limits.
printf 'version = 1\n[settings]\nmax_push_mib = 4096\n' >"$T/repo-policy.toml"
set +e
OUT=$("$BIN/refguard" policy check --config "$T/policy.toml" "$T/repo-policy.toml" 2>&1)
RC=$?
set -e
[ "$RC" -ne 0 ] && grep -q "settings.max_push_mib" <<<"$OUT" && grep -q "only the system policy" <<<"$OUT" &&
  pass "a repository policy may not set push limits" || fail "repository max_push_mib: rc=$RC $OUT"

finish
