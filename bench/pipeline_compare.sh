#!/usr/bin/env bash
# The push pipeline before and after a change (issue 13: no slowdown): the
# same generated history checked offline by two builds' `refguard scan`
# (the whole pipeline: policy, history walk, scan, verdict), runs alternated
# so that a noisy machine slows both alike. Medians and the ratio.
#
#   bench/pipeline_compare.sh BIN_BEFORE BIN_AFTER [--commits 1500] [--runs 5]
source "$(dirname "$0")/bench_lib.sh"

BEFORE=${1:?usage: $0 BIN_BEFORE BIN_AFTER [--commits N] [--runs N]}
AFTER=${2:?usage: $0 BIN_BEFORE BIN_AFTER [--commits N] [--runs N]}
shift 2
COMMITS=1500
RUNS=5
while [ $# -gt 0 ]; do
  case $1 in
    --commits) COMMITS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: $0 BIN_BEFORE BIN_AFTER [--commits N] [--runs N]" >&2; exit 2 ;;
  esac
done
BIN=$AFTER bench_setup pipeline
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/repo" --bare --commits "$COMMITS" --seed 1 >/dev/null

# scan_ms BIN: wall milliseconds of one offline scan of the whole history.
scan_ms() {
  local start end
  start=$(date +%s%N)
  "$1/refguard" scan --repo "$T/repo" --format json >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
before=() after=()
for _ in $(seq 1 "$RUNS"); do
  before+=("$(scan_ms "$BEFORE")")
  after+=("$(scan_ms "$AFTER")")
done
b=$(printf '%s\n' "${before[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
a=$(printf '%s\n' "${after[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
echo "## Pipeline before/after (bench/pipeline_compare.sh --commits $COMMITS --runs $RUNS)"
echo "machine: $(machine_line)"
echo "| build | median ms (runs: ms) |"
echo "|---|---|"
echo "| before ($BEFORE) | $b (${before[*]}) |"
echo "| after ($AFTER) | $a (${after[*]}) |"
python3 -c "print(f'after/before: {$a / $b:.2f}x')"
