#!/usr/bin/env bash
# A verdict must not depend on timing (issue 15, item 16: one of 13 offline
# scans of a large history missed every finding of one rule). The same large
# scan runs several times at once, with the CPU oversubscribed, and every run
# must report exactly the same findings; so must a second round.
source "$(dirname "$0")/lib.sh"

python3 "$SRC/tests/fixtures/make_history.py" "$T/history" 2000 15
runs=4
for round in 1 2; do
  for n in $(seq 1 "$runs"); do
    "$BIN/refguard" scan --repo "$T/history" --format json >"$T/scan-$round-$n.json" 2>"$T/scan-$round-$n.err" &
  done
  wait
done
python3 - "$T" "$runs" <<'PY' && pass "$((runs * 2)) concurrent scans of 2,000 commits report identical findings" || fail "the scans disagree"
import collections, json, sys
directory, runs = sys.argv[1], int(sys.argv[2])
results = {}
for round_ in (1, 2):
    for n in range(1, runs + 1):
        with open(f"{directory}/scan-{round_}-{n}.json") as f:
            data = json.load(f)
        results[(round_, n)] = sorted((x["rule"], x["commit"], x["path"], x["line"], x["id"]) for x in data["findings"])
first = results[(1, 1)]
rules = collections.Counter(x[0] for x in first)
# The history is made to hold these; a scan that finds none of a rule is wrong too.
for rule in ("subprocess-shell-true", "eval-exec-model-output", "openai-api-key", "torch-load-without-weights-only"):
    if rules[rule] == 0:
        print(f"no finding of {rule}", file=sys.stderr)
        sys.exit(1)
ok = True
for key, found in results.items():
    if found != first:
        ok = False
        missing = collections.Counter(x[0] for x in set(first) - set(found))
        extra = collections.Counter(x[0] for x in set(found) - set(first))
        print(f"scan {key}: {len(found)} findings, {len(first)} in the first; missing {dict(missing)}, extra {dict(extra)}",
              file=sys.stderr)
sys.exit(0 if ok else 1)
PY

finish
