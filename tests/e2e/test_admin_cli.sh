#!/usr/bin/env bash
# Issue 17: what admins and pushers live with every day. --version on all
# three programs, usage errors exit 2, `refguard status` for people and
# --json, the pusher's report grouped by rule through a real push, code shown
# and secrets masked, refused bypasses told whom to ask, `refguard audit
# --verdict/--repo`, scan provenance and the ignore file, log levels and
# journald priorities.
source "$(dirname "$0")/lib.sh"

# run CMD...: output (stdout and stderr) in $OUT, exit code in $RC.
run() {
  set +e
  OUT=$("$@" 2>&1)
  RC=$?
  set -e
}
expect_rc() {  # expect_rc WHAT CODE
  if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1: exit code $RC, not $2"; printf '%s\n' "$OUT" >&2; fi
}
count_lines() { grep -cF -- "$1" <<<"$OUT" || true; }

# --version, from CMake's project(VERSION) (and the commit in a checkout).
version=$(sed -n 's/^project(refguard VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
for program in refguard refguardd refguard-hook; do
  run "$BIN/$program" --version
  expect_rc "$program --version exits 0" 0
  expect_output "$program --version prints the project version" "$program $version"
done

# Usage errors exit 2 with CLI11's message; an unknown command lists the commands.
run "$BIN/refguard" bogus
expect_rc "refguard bogus exits 2" 2
expect_output "refguard bogus says so" "unknown command bogus"
expect_output "refguard bogus lists the commands" "install, uninstall, check, scan, policy, status, audit"
for args in "scan --format xml" "status --no-such-option" "policy" "audit --verdict maybe" "scan --repo"; do
  # shellcheck disable=SC2086
  run "$BIN/refguard" $args
  expect_rc "refguard $args is a usage error (exit 2)" 2
done
run "$BIN/refguardd"
expect_rc "refguardd without --socket is a usage error (exit 2)" 2
run "$BIN/refguardd" --bogus
expect_rc "refguardd --bogus is a usage error (exit 2)" 2
run "$BIN/refguard" status --help
expect_rc "refguard status --help exits 0" 0
expect_output "status --help documents --json" "--json"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["alice"]
contact = "security@example.test"
TOML
# Under systemd, journald reads a <N> priority at the start of each line.
: >"$T/daemon.log"
export JOURNAL_STREAM="$(stat -c '%d:%i' "$T/daemon.log")"
start_daemon --config "$T/policy.toml"
unset JOURNAL_STREAM
if grep -q "^<6>level=info msg=\"refguardd starting\" version=$version" "$T/daemon.log"; then
  pass "the daemon logs its version at start, with journald's info priority"
else fail "no '<6>... refguardd starting version=$version' line"; head -3 "$T/daemon.log" >&2; fi
new_app
expect_output "one commit is singular" "push accepted: 1 commit, 1 file checked"

# 18 warnings in 6 files and 3 keys, over two commits.
for i in 1 2 3 4 5 6; do
  printf 'import torch\na = torch.load("a%s.pt")\nb = torch.load("b%s.pt")\nc = torch.load("c%s.pt")\n' "$i" "$i" "$i" \
    >"$work/load$i.py"
done
git -C "$work" add . && git -C "$work" commit -qm "Load models"
for i in 1 2 3; do echo "OPENAI_API_KEY = \"$(fake_openai_key)\"" >"$work/key$i.py"; done
git -C "$work" add . && git -C "$work" commit -qm "Add keys"
push "$work" origin HEAD:main
expect_rejected "three keys are rejected"
expect_output "a summary line comes first" "refguard: 3 blocking findings, 18 warnings in 9 files"
[ "$(count_lines "warning [torch-load-without-weights-only]")" = 1 ] && pass "one heading for the warning rule" ||
  fail "warning headings: $(count_lines "warning [torch-load-without-weights-only]")"
[ "$(count_lines "fix: Pass weights_only=True")" = 1 ] && pass "the warning's remedy is printed once" ||
  fail "the remedy is printed $(count_lines "fix: Pass weights_only=True") times"
[ "$(count_lines "fix: ")" = 2 ] && pass "one remedy per rule in all" || fail "remedies: $(count_lines "fix: ")"
expect_output "the code of an unsafe call is shown" '`a = torch.load("a1.pt")`'
expect_no_output "the code is not masked as a secret" "to…("
expect_output "keys stay masked" "sk-proj-…("
expect_output "multi-commit pushes get the rebase advice" "git rebase -i"
expect_output "a refused pusher learns the contact" "security@example.test"
expect_output "and who may bypass" "alice may bypass it"
long=$(grep -c '^remote: refguard: .\{91,\}' <<<"$OUT" | tr -d ' ' || true)
# Location lines may be long (paths); headings and remedies wrap at 100 columns.
# (git pads each remote: line with spaces: strip them before measuring)
too_long=$(grep '^remote: refguard: ' <<<"$OUT" | sed 's/ *$//' | grep -v '    at ' | grep '.\{109,\}' || true)
if [ -n "$too_long" ]; then
  fail "a heading or remedy line is longer than 100 columns: $too_long"
else pass "headings and remedies wrap at 100 columns ($long lines over 90 are locations)"; fi
push "$work" -o "refguard.bypass=rotated" origin HEAD:main
expect_rejected "a bypass by an unlisted pusher is refused"
expect_output "the refusal names the contact and the bypass users" "ask security@example.test (alice may bypass it)"

# A single commit: no rebase advice.
git -C "$work" reset -q --hard HEAD~2
echo "OPENAI_API_KEY = \"$(fake_openai_key)\"" >"$work/one.py"
git -C "$work" add . && git -C "$work" commit -qm "One key"
push "$work" origin HEAD:main
expect_rejected "one key is rejected"
expect_output "one finding is singular" "refguard: 1 blocking finding in 1 file"
expect_no_output "a one-commit push gets no rebase advice" "older: \`git rebase -i"
expect_output "a one-commit push is told to amend" "git commit --amend"
git -C "$work" reset -q --hard HEAD~1

# refguard status: a summary for people, every value with --json.
run "$BIN/refguard" status --socket "$SOCK"
expect_rc "refguard status exits 0" 0
expect_output "status names the version" "refguardd $version"
expect_output "status names the policy's source" "$T/policy.toml"
expect_output "status counts rejected pushes" "3 rejected"
expect_output "status summarises the caches" "caches:"
run "$BIN/refguard" status --socket "$SOCK" --json
python3 - "$OUT" "$version" <<'PY' && pass "status --json has the version, verdicts and reload state" || fail "status --json: $OUT"
import json, sys
s = json.loads(sys.argv[1])
assert s["version"] == sys.argv[2], s["version"]
assert s["pushes"]["reject"] == 3 and s["pushes"]["accept"] == 1, s["pushes"]
assert s["policy"]["last_reload"]["ok"] is True
assert s["uptime_seconds"] >= 0 and s["start_time_seconds"] > 1.7e9
PY
# A refused reload: logged as an error, shown by status.
cp "$T/policy.toml" "$T/policy.good"
printf 'version = 1\n[settings]\ncontct = "x"\n' >"$T/policy.toml"
kill -HUP "$DAEMON_PID"
wait_for_log "new policy refused" && pass "a refused reload is logged" || fail "refused reload not logged"
grep -q '^<3>level=error msg="SIGHUP: new policy refused, the old one stays in force" error=.*did you mean' "$T/daemon.log" &&
  pass "a refused reload is an error (priority 3) with the reason as a field" || fail "reload error line: $(grep refused "$T/daemon.log")"
run "$BIN/refguard" status --socket "$SOCK"
expect_output "status says the last reload failed" "LAST RELOAD FAILED"
expect_output "and why" "did you mean 'contact'?"
cp "$T/policy.good" "$T/policy.toml"
grep -q '^<6>level=info msg="push reject" repo=.* pusher=- verdict=reject ' "$T/daemon.log" &&
  pass "the push line is key=value with the verdict" || fail "push line: $(grep 'push reject' "$T/daemon.log" | head -1)"

# refguard audit: --verdict and --repo by suffix.
audit="$T/state/audit.jsonl"
run "$BIN/refguard" audit --file "$audit" --verdict reject
expect_rc "audit --verdict reject exits 0" 0
[ "$(count_lines " reject ")" = 3 ] && [ "$(count_lines " accept ")" = 0 ] &&
  pass "audit --verdict reject lists only the 3 rejections" || fail "audit --verdict reject: $OUT"
run "$BIN/refguard" audit --file "$audit" --verdict accept
[ "$(count_lines " accept ")" = 1 ] && [ "$(count_lines " reject ")" = 0 ] &&
  pass "audit --verdict accept lists only the accepted push" || fail "audit --verdict accept: $OUT"
run "$BIN/refguard" audit --file "$audit" --repo app.git
[ "$(count_lines " by ")" = 4 ] && pass "audit --repo matches a path suffix" || fail "audit --repo app.git: $OUT"
run "$BIN/refguard" audit --file "$audit" --repo app
[ "$(count_lines " by ")" = 4 ] && pass "audit --repo matches without .git" || fail "audit --repo app: $OUT"
run "$BIN/refguard" audit --file "$audit" --repo pp.git
expect_rc "audit --repo with no match exits 1" 1
expect_output "and says nothing matched that name" "no repository in the log matches 'pp.git'"
expect_output "and names the repositories it has" "app.git"
run "$BIN/refguard" audit --file "$T/no-such.jsonl"
expect_rc "a missing audit log exits 1" 1
expect_output "and says why" "cannot read the audit log $T/no-such.jsonl: No such file or directory"

# refguard scan: provenance in JSON and SARIF; the ignore file.
git -C "$work" reset -q --hard origin/main
for i in 1 2; do echo "OPENAI_API_KEY = \"$(fake_openai_key)\"" >"$work/scan$i.py"; done
git -C "$work" add . && git -C "$work" commit -qm "Keys for scan"
run "$BIN/refguard" scan --repo "$work" --format json
expect_rc "scan exits 1 when something blocks" 1
python3 - "$OUT" "$version" <<'PY' && pass "scan JSON has version, schema version and start time" || fail "scan JSON: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["version"] == sys.argv[2] and r["schema_version"] >= 1 and r["start_time"].endswith("Z")
assert len([f for f in r["findings"] if f["rule"] == "openai-api-key"]) == 2
PY
first_id=$(python3 -c 'import json,sys; print([f["id"] for f in json.loads(sys.argv[1])["findings"] if f["path"] == "scan1.py"][0])' "$OUT")
"$BIN/refguard" scan --repo "$work" --format sarif -o "$T/out.sarif" >/dev/null 2>&1 || true
python3 - "$T/out.sarif" "$version" <<'PY' && pass "SARIF has driver.version, invocations and versionControlProvenance" || fail "SARIF provenance"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
driver = run["tool"]["driver"]
assert driver["version"] == sys.argv[2] and "localhost" not in driver.get("informationUri", "")
inv = run["invocations"][0]
assert inv["executionSuccessful"] is True and inv["startTimeUtc"].endswith("Z") and inv["endTimeUtc"]
vcp = run["versionControlProvenance"][0]
assert vcp["repositoryUri"] and len(vcp["revisionId"]) == 40 and vcp["branch"] == "refs/heads/main"
PY
printf '# accepted: test fixture\n%s  # INC-42\n' "$first_id" >"$T/ignore"
run "$BIN/refguard" scan --repo "$work" --ignore-file "$T/ignore"
expect_output "scan --ignore-file drops the listed finding" "1 finding in "
expect_output "and says how many it ignored" "1 finding ignored"
printf '%s\n' "$first_id" >"$work/.refguardignore"
git -C "$work" add .refguardignore && git -C "$work" commit -qm "Ignore the fixture key"
run "$BIN/refguard" scan --repo "$work" --format json
python3 - "$OUT" "$first_id" <<'PY' && pass "a committed .refguardignore is read by scan" || fail "committed ignore file: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r["ignored"] == 1 and sys.argv[2] not in [f["id"] for f in r["findings"]]
PY
run "$BIN/refguard" scan --repo "$work" --ignore-file "$T/no-such-file"
expect_rc "a missing --ignore-file is an error" 2
expect_output "that says why" "No such file or directory"

# refguard policy: show prints TOML that check accepts; errors say where and why.
"$BIN/refguard" policy show --config "$T/policy.toml" >"$T/shown.toml"
grep -q '^\[rule.detector\]' "$T/shown.toml" && ! grep -q '^\[detector\]' "$T/shown.toml" &&
  pass "policy show nests detectors as [rule.detector]" || fail "policy show: $(grep -m1 'detector\]' "$T/shown.toml")"
grep -q "^contact = 'security@example.test'" "$T/shown.toml" && pass "policy show includes the contact" ||
  fail "policy show lacks the contact"
run "$BIN/refguard" policy check --system "$T/shown.toml"
expect_rc "policy check --system accepts what policy show printed" 0
run "$BIN/refguard" policy check --config "$T/policy.toml" "$T/shown.toml"
expect_rc "policy check accepts it as a repository policy too" 0
run "$BIN/refguard" policy show --config "$T/policy.toml" --explain
expect_output "policy show --explain says who may bypass" "every rule that allows it: alice (settings.bypass_users, $T/policy.toml:3)"
expect_output "and where each value came from" "settings.contact from $T/policy.toml:4"
printf 'version = 1\n[ai]\npaths = []\nlocked = ["openai-api-key"]\n' >"$T/misplaced.toml"
run "$BIN/refguard" policy check --system "$T/misplaced.toml"
expect_rc "a misplaced key fails the check" 1
expect_output "and is told where it belongs" "misplaced.toml:4: ai.locked: unknown key here: \`locked\` belongs at the top level"
printf 'version = 1\n[settings]\ncontct = "x"\n' >"$T/typo.toml"
run "$BIN/refguard" policy check "$T/typo.toml"
expect_output "a typo is told the nearest key" "settings.contct: unknown key; did you mean 'contact'?"
run "$BIN/refguard" policy check "$T/no-such.toml"
expect_rc "a missing policy file fails the check" 1
expect_output "and says it does not exist" "No such file or directory"
cp "$T/typo.toml" "$T/locked-away.toml" && chmod 000 "$T/locked-away.toml" && chmod 755 "$T"
run runuser -u nobody -- "$BIN/refguard" policy check "$T/locked-away.toml"
expect_output "an unreadable policy file says permission denied" "Permission denied"
"$BIN/refguard" policy check --system "$SRC/config/policy.toml" >/dev/null 2>&1 &&
  sed 's/^# locked = /locked = /' "$SRC/config/policy.toml" >"$T/sample-locked.toml" &&
  "$BIN/refguard" policy check --system "$T/sample-locked.toml" >/dev/null 2>&1 &&
  pass "the sample policy's locked line, uncommented where it stands, is valid" || fail "the sample's locked line is misplaced"

finish
