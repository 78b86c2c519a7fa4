#!/usr/bin/env bash
# Issue 5: warnings land and become git notes; an allowed user bypasses with a
# reason (audited), others are refused; refguard.allow=<id> lets exactly one
# finding through; the audit log is never torn; SARIF output is well-formed.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["alice"]
contact = "the security team (security@example.test)"
TOML
metrics_port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
start_daemon --config "$T/policy.toml" --metrics-port "$metrics_port"
new_app

# A warning: accepted, shown, and attached as a note to the right commit.
commit_file "$work" train.py "import torch
model = torch.load(\"model.pt\")
" "Load the model"
warned=$(git -C "$work" rev-parse HEAD)
commit_file "$work" other.txt "unrelated
" "Unrelated commit"
push "$work" origin HEAD:main
expect_accepted "a push with only warnings is accepted"
expect_output "the warning is shown to the pusher" "torch-load-without-weights-only"
expect_output "the warning names path:line" "train.py:2"
sleep 0.2
note=$(git -C "$server" notes --ref=refguard show "$warned" 2>/dev/null || true)
if grep -q "torch-load-without-weights-only" <<<"$note" && grep -q "train.py:2" <<<"$note"; then
  pass "the warning became a note on the commit that introduced it"
else fail "no note on $warned: '$note'"; fi
if git -C "$server" notes --ref=refguard show HEAD >/dev/null 2>&1; then fail "the unrelated commit got a note"; else
  pass "the unrelated commit has no note"; fi

# Pushing the same commit again under another branch does not duplicate the note.
git -C "$work" branch copy "$warned"
push "$work" origin copy
expect_accepted "the same commits on a new branch are accepted"
count=$(git -C "$server" notes --ref=refguard show "$warned" | grep -c "torch-load-without-weights-only" || true)
[ "$count" = 1 ] && pass "a note already present is not duplicated" || fail "the note holds the line $count times"

# Two keys in one push.
k1=$(fake_openai_key)
k2=$(fake_anthropic_key)
commit_file "$work" a.py "OPENAI_API_KEY = \"$k1\"
" "Add key a"
commit_file "$work" b.py "ANTHROPIC_API_KEY = \"$k2\"
" "Add key b"
push "$work" origin HEAD:main
expect_rejected "two keys are rejected"
id_a=$(grep -o 'openai-api-key\] .*(finding [0-9a-f]*)' <<<"$OUT" | grep -o 'finding [0-9a-f]*' | head -1 | cut -d' ' -f2)
id_b=$(grep -o 'anthropic-api-key\] .*(finding [0-9a-f]*)' <<<"$OUT" | grep -o 'finding [0-9a-f]*' | head -1 | cut -d' ' -f2)
[ -n "$id_a" ] && [ -n "$id_b" ] && pass "each blocking finding shows a short id" || fail "finding ids missing"
expect_output "a pusher without identity is told whom to ask" "security@example.test"

# bob is not allowed to bypass.
export REMOTE_USER=bob
push "$work" -o "refguard.bypass=urgent fix" origin HEAD:main
expect_rejected "a user not allowed cannot bypass"
expect_output "the refusal says bob may not bypass" "bob may not bypass"
expect_output "the refusal says whom to ask" "security@example.test"

# alice without a reason is refused.
export REMOTE_USER=alice
push "$work" -o "refguard.bypass=" origin HEAD:main
expect_rejected "a bypass without a reason is refused"
expect_output "the pusher is told a reason is required" "needs a reason"

# refguard.allow=<id> lets exactly one finding through.
push "$work" -o "refguard.allow=$id_a" origin HEAD:main
expect_rejected "allowing one of two findings still rejects"
expect_output "the allowed finding is marked" "BYPASSED [openai-api-key]"
expect_output "the other finding still blocks" "BLOCKED [anthropic-api-key]"
push "$work" -o "refguard.allow=$id_a" -o "refguard.allow=$id_b" origin HEAD:main
expect_accepted "allowing both findings by id lets the push through"

# A full bypass with a reason, audited.
commit_file "$work" c.py "KEY = \"$(fake_openai_key)\"
" "Add key c"
push "$work" -o "refguard.bypass=rotated already, INC-42" origin HEAD:main
expect_accepted "alice bypasses with a reason"
expect_output "the bypass is announced" "BYPASS by alice"
unset REMOTE_USER

audit="$T/state/audit.jsonl"
python3 - "$audit" <<'PY' && pass "the audit log records the bypass with its reason and masked secrets" || fail "audit record missing or wrong"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
bypasses = [r for r in records if r.get("bypass", {}).get("reason") == "rotated already, INC-42"]
assert bypasses and bypasses[-1]["pusher"] == "alice" and bypasses[-1]["verdict"] == "accept"
assert all("…" in f["secret"] for r in records for f in r["findings"] if f["secret"])
assert any(r["verdict"] == "reject" and r["pusher"] == "bob" for r in records)
PY
for k in "$k1" "$k2"; do
  if grep -qF "$k" "$audit" "$T/daemon.log"; then fail "a full secret reached the audit log or daemon log"; fi
done
pass "no full secret in the audit log or the daemon log"
OUT=$("$BIN/refguard" audit --file "$audit" --user alice)
expect_output "refguard audit filters by user" "rotated already, INC-42"
expect_no_output "refguard audit --user alice omits bob" "by bob"
OUT=$("$BIN/refguard" audit --file "$audit" --user bob --since 1h)
expect_output "refguard audit --since keeps recent records" "by bob"
OUT=$("$BIN/refguard" status --socket "$SOCK" --json)
python3 -c 'import json,sys; assert json.loads(sys.argv[1])["pushes"]["bypass"] == 2' "$OUT" &&
  pass "status counts pushes that landed by bypass" || fail "status: pushes.bypass is not 2: $OUT"
python3 - "$OUT" <<'PY' && pass "status reports the commit caches" || fail "status lacks the commit caches: $OUT"
import json, sys
s = json.loads(sys.argv[1])
assert s["commit_cache"]["entries"] > 0 and s["commit_cache"]["bytes"] > 0
assert s["commit_findings_cache"]["entries"] > 0 and s["commit_findings_cache"]["bytes"] > 0
PY

OUT=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics', timeout=5).read().decode())")
expect_output "the Prometheus endpoint serves the counters" 'refguard_pushes_total{verdict="bypass"} 2'
expect_output "the Prometheus endpoint has a latency histogram" 'refguard_check_seconds_bucket{le="+Inf"}'
expect_output "the Prometheus endpoint has the commit cache's size" 'refguard_cache_bytes{cache="commit_changes"} '

# SIGKILL while pushes are being audited: no torn record.
for i in $(seq 1 30); do commit_file "$work" "n$i.txt" "n$i
" "n$i" >/dev/null; git -C "$work" push -q origin HEAD:main >/dev/null 2>&1 & sleep 0.02; done
sleep 0.3
kill -KILL "$DAEMON_PID"
wait 2>/dev/null || true
DAEMON_PID=""
python3 - "$audit" <<'PY' && pass "every audit line is a whole JSON record after SIGKILL" || fail "torn audit record"
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n")
for line in data.splitlines():
    json.loads(line)
PY

# SARIF from an offline scan of the repository's history.
"$BIN/refguard" scan --repo "$server" --format sarif -o "$T/out.sarif" >/dev/null 2>&1 || true
python3 - "$T/out.sarif" <<'PY' && pass "SARIF 2.1.0 output has the schema's required fields" || fail "SARIF output invalid"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0" and isinstance(s["runs"], list) and s["runs"]
run = s["runs"][0]
assert run["tool"]["driver"]["name"] == "refguard"
rules = run["tool"]["driver"]["rules"]
assert all("id" in r for r in rules)
assert run["results"], "expected findings"
for r in run["results"]:
    assert r["message"]["text"] and r["ruleId"]
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] and loc["region"]["startLine"] >= 1
    assert r["level"] in ("error", "warning", "note", "none")
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
assert any(r["ruleId"] == "openai-api-key" for r in run["results"])
PY

finish
