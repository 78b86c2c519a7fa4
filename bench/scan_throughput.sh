#!/usr/bin/env bash
# Scanner throughput (issue 3): generates a realistic AI-code history
# (bench/gen_ai_repo.py, fixed seed) and runs refguard_scan_throughput on it:
# engine::scan_blob on one thread over the added lines of `git log -p`, with
# the default ruleset and with one rule, against git log -p's own rate.
#
#   bench/scan_throughput.sh [--commits 5000] [--runs 5] [--keep]
source "$(dirname "$0")/bench_lib.sh"

COMMITS=5000
RUNS=5
while [ $# -gt 0 ]; do
  case $1 in
    --commits) COMMITS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --quick) COMMITS=1500; RUNS=3; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--commits N] [--runs N] [--quick] [--keep]" >&2; exit 2 ;;
  esac
done
[ -x "$BIN/refguard_scan_throughput" ] || { echo "missing $BIN/refguard_scan_throughput: build first" >&2; exit 2; }
bench_setup scan
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/repo" --bare --commits "$COMMITS" --seed 1
echo "## Scanner throughput (bench/scan_throughput.sh --commits $COMMITS --runs $RUNS)"
echo "machine: $(machine_line)"
"$BIN/refguard_scan_throughput" --repo "$T/repo" --runs "$RUNS"
