#!/usr/bin/env bash
# Issue 15, item 2: an inline `refguard:allow` never silences a rule the
# system policy locks (the pusher is told), names exactly the rule it
# silences (an unknown id, another rule's id or `refguard:allowXYZ` silence
# nothing, and the pusher is told why), and every finding it silences is in
# the push's audit record, masked.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
locked = ["openai-api-key", "private-key"]
[[rule]]
id = "openai-api-key"
allow_bypass = false
[[rule]]
id = "private-key"
allow_bypass = false
TOML
start_daemon --config "$T/policy.toml"
audit="$T/state/audit.jsonl"
new_app

# try_line WHAT LINE: commits LINE in a file of its own and pushes it.
try_line() {
  git -C "$work" reset -q --hard origin/main
  commit_file "$work" "src/$1.py" "import os
$2
" "$1"
  push "$work" origin HEAD:main
}

# The last audit record, as JSON.
last_record() { tail -n 1 "$audit"; }

# Locked rules ignore inline allows, bare or naming them, and say so.
openai=$(fake_openai_key)
try_line locked_bare "OPENAI_API_KEY = \"$openai\"  # refguard:allow"
expect_rejected "a bare refguard:allow does not silence a locked rule"
expect_output "the pusher is told the allow was ignored" \
  "refguard:allow ignored: rule 'openai-api-key' is locked by the system policy"
expect_output "the finding is reported" "BLOCKED [openai-api-key]"
python3 - "$(last_record)" <<'PY' && pass "the audit record holds the finding" || fail "the audit record lacks the locked finding"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "reject", r
assert any(f["rule"] == "openai-api-key" and f["path"] == "src/locked_bare.py" and f["line"] == 2 for f in r["findings"]), r
PY
try_line locked_named "OPENAI_API_KEY = \"$openai\"  # refguard:allow openai-api-key"
expect_rejected "refguard:allow naming a locked rule does not silence it"
expect_output "the pusher is told that rule is locked" \
  "refguard:allow ignored: rule 'openai-api-key' is locked by the system policy"

pem=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | awk '{printf "%s\\n", $0}')
[ -n "$pem" ] || fail "openssl made no key"
try_line locked_pem "KEY = \"$pem\"  # refguard:allow"
expect_rejected "a bare refguard:allow does not silence the locked private-key rule"
expect_output "the pusher is told private-key is locked" \
  "refguard:allow ignored: rule 'private-key' is locked by the system policy"

# An allow names exactly the rule it silences (anthropic-api-key is not locked).
anthropic=$(fake_anthropic_key)
try_line unknown_id "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allow some-other-rule"
expect_rejected "an allow naming an unknown rule silences nothing"
expect_output "the pusher is told the id is no rule" "'some-other-rule', which is no rule of this policy"
try_line other_rule "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allow openai-api-key"
expect_rejected "an allow naming another rule silences nothing"
expect_output "the pusher is told the allow names another rule" \
  "refguard:allow at src/other_rule.py:2 does not name rule 'anthropic-api-key'"
try_line malformed "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allowXYZ"
expect_rejected "refguard:allowXYZ silences nothing"
expect_output "the pusher is told it is no allow" "'refguard:allowXYZ' is not an allow"
try_line reason "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allow test fixture"
expect_rejected "a reason written where a rule id goes silences nothing"
expect_output "the pusher learns how to give a reason" "refguard:allow -- REASON"

# Bypassable rules: a bare allow and an allow naming the rule silence it,
# and the push's audit record keeps what they silenced, masked.
try_line bare "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allow -- test fixture"
expect_accepted "a bare refguard:allow silences a bypassable rule"
expect_output "the pusher is told what was silenced, and that it is recorded" \
  "1 finding silenced by refguard:allow (anthropic-api-key): recorded in the audit log"
python3 - "$(last_record)" <<'PY' && pass "the audit record lists the silenced finding, masked" || fail "the silenced finding is not in the audit record"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "accept" and not r["findings"], r
[s] = r["silenced_inline"]
assert s["rule"] == "anthropic-api-key" and s["path"] == "src/bare.py" and s["line"] == 2, s
assert s["secret"].startswith("sk-ant-") and "…" in s["secret"] and len(s["secret"]) < 40, s
PY
try_line named "ANTHROPIC_API_KEY = \"$anthropic\"  # refguard:allow anthropic-api-key"
expect_accepted "refguard:allow naming the rule that fired silences it"
python3 - "$(last_record)" <<'PY' && pass "the named allow is recorded too" || fail "the named allow is not in the audit record"
import json, sys
r = json.loads(sys.argv[1])
assert [s["rule"] for s in r["silenced_inline"]] == ["anthropic-api-key"], r
PY
OUT=$("$BIN/refguard" audit --file "$audit" --verdict accept)
expect_output "refguard audit shows findings silenced inline" "silenced inline [anthropic-api-key] src/named.py:2"

for secret in "$openai" "$anthropic"; do
  if grep -qF "$secret" "$audit" "$T/daemon.log"; then fail "a full secret reached the audit log or the daemon log"; fi
done
pass "no full secret in the audit log or the daemon log"
finish
