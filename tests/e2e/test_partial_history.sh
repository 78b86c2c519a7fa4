#!/usr/bin/env bash
# Issue 16: `refguard scan` of a partial history (a blobless partial clone, a
# mirror without large objects) scans what is there, lists the files whose
# blob is missing (text, JSON `missing`, SARIF `toolExecutionNotifications`)
# and exits 3 when nothing it read blocks (1 when something does), where it
# used to stop at the first missing blob with exit status 2.
source "$(dirname "$0")/lib.sh"
RG="$BIN/refguard"

git init -q --bare "$T/origin.git"
git -C "$T/origin.git" config uploadpack.allowFilter true
work=$(new_clone "$T/origin.git" work)
commit_file "$work" a.py "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "key"
commit_file "$work" notes.txt "hello
" "notes"
commit_file "$work" t.py "import torch
m = torch.load(\"m.pt\")
" "torch"
git -C "$work" push -q origin HEAD:main
# Blobless: commits and trees only; then fetch the key's blob alone (as a
# checkout of that one file would).
git clone -q --bare --filter=blob:none "file://$T/origin.git" "$T/partial.git"
git -C "$T/partial.git" cat-file -p "$(git -C "$T/origin.git" rev-parse main~2:a.py)" >/dev/null
missing=$(git -C "$T/partial.git" rev-list --objects --missing=print --all | grep -c '^?')
[ "$missing" -eq 2 ] && pass "the partial clone lacks two blobs" || fail "test set-up: $missing missing blobs"

run_scan() {  # run_scan ARGS...: output in $OUT, status in $RC
  set +e
  OUT=$("$RG" scan --repo "$T/partial.git" "$@" 2>&1)
  RC=$?
  set -e
}
run_scan
[ "$RC" -eq 1 ] && pass "whole history: the key that is there blocks (exit 1)" || fail "exit $RC: $OUT"
expect_output "the key in the blob that is present is found" "BLOCKED [openai-api-key]"
expect_output "the scan says it is incomplete" "INCOMPLETE: 2 files not in this repository"
expect_output "the missing files are listed" "notes.txt"
expect_output "the missing files are listed" "t.py"

run_scan main~2..main
[ "$RC" -eq 3 ] && pass "a range with only missing blobs: exit 3 (incomplete), not 0" || fail "range exit $RC: $OUT"

run_scan main~2..main --format json
python3 - "$OUT" <<'PY' && pass "JSON: complete=false and the missing files with commit and blob" || fail "JSON: $OUT"
import json, sys
report = json.loads(sys.argv[1])
paths = sorted(m["path"] for m in report["missing"])
assert report["complete"] is False and paths == ["notes.txt", "t.py"], report
assert all(len(m["commit"]) == 40 and len(m["blob"]) == 40 for m in report["missing"])
PY

run_scan --format sarif
python3 - "$OUT" <<'PY' && pass "SARIF: a notification per missing file" || fail "SARIF: $OUT"
import json, sys
run = json.loads(sys.argv[1])["runs"][0]
notes = run["invocations"][0]["toolExecutionNotifications"]
uris = sorted(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes)
assert uris == ["notes.txt", "t.py"] and all(n["level"] == "warning" for n in notes), notes
assert any(r["ruleId"] == "openai-api-key" for r in run["results"])
PY

# A complete repository: complete=true, nothing missing.
set +e
OUT=$("$RG" scan --repo "$T/origin.git" main~2..main --format json 2>&1)
RC=$?
set -e
python3 -c 'import json, sys; r = json.loads(sys.argv[1]); assert r["complete"] is True and r["missing"] == []' "$OUT" &&
  [ "$RC" -eq 0 ] && pass "a complete repository: complete, exit 0 (a warning only)" || fail "complete repository: rc=$RC $OUT"

finish
