#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 16, -DREFGUARD_FUZZ=ON: coverage + ASan +
# UBSan over the whole library), replays every seed and regression input
# (ctest -R '^fuzz: '), then fuzzes each target for a bounded time. Fails on
# any crash, sanitizer report, leak, timeout or out-of-memory.
#
#   bash tests/run-fuzz.sh [BUILD_DIR] [TARGET...]      (default build-fuzz, every target)
#
#   REFGUARD_FUZZ_SECONDS  seconds per target (default 60; 0 = replay the corpora only)
#   REFGUARD_FUZZ_JOBS     targets fuzzed at once (default: nproc)
#   CXX                    the clang to build with (default clang++-16)
#
# Inputs that found new coverage accumulate in BUILD_DIR/fuzz-corpus/<target>/
# (kept between runs); a crashing input is written to
# BUILD_DIR/fuzz-artifacts/<target>/ and its log to BUILD_DIR/fuzz-logs/.
# Once fixed, copy the input to tests/fuzz/corpus/<target>/regress-<what> so
# the corpus replay keeps it fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-fuzz}")
shift || true
seconds=${REFGUARD_FUZZ_SECONDS:-60}
jobs=${REFGUARD_FUZZ_JOBS:-$(nproc)}
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
fi

bash "$root/packaging/install-deps.sh"
# Debug: assert() stays on; cmake/Fuzzing.cmake sets -O1 and line tables.
CXX=${CXX:-clang++-16} cmake -S "$root" -B "$build" -DREFGUARD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug -DREFGUARD_BUILD_BENCH=OFF >/dev/null
if [ "$#" -eq 0 ]; then
  # One make run for every target: they share refguard_core, and link in parallel.
  cmake --build "$build" -j"$(nproc)" --target refguard_fuzz_targets
else
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
fi

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
# Without it, crash stacks are bare addresses (clang-16 does not put llvm-symbolizer on PATH).
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer-16}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -R "^fuzz: ($(IFS='|'; echo "${targets[*]}")) corpus\$"
[ "$seconds" -gt 0 ] || exit 0

# fuzz_one TARGET: fuzzes one target for $seconds; prints one line; non-zero on a finding.
fuzz_one() {
  local target=$1 seeds="$root/tests/fuzz/corpus/$1" dict="$root/tests/fuzz/dict/$1.dict"
  local work="$build/fuzz-corpus/$target" artifacts="$build/fuzz-artifacts/$target/" log="$build/fuzz-logs/$target.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  local options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                 -artifact_prefix="$artifacts")
  # Parsers of pushed content: inputs long enough for a depth bomb to crash the
  # 1 MiB worker stack they run on (thousands of levels; issue 15, item 1).
  # libFuzzer's default cap is the largest seed or 4 KB.
  case $target in fuzz_agent_config | fuzz_notebook | fuzz_policy | fuzz_model) options+=(-max_len=65536) ;; esac
  # A target without a dictionary (tests/fuzz/dict/<target>.dict) fuzzes without one.
  if [ -f "$dict" ]; then options+=(-dict="$dict"); fi
  # The first directory receives new inputs; the committed seeds are only read.
  if "$build/bin/$target" "${options[@]}" "$work" "$seeds" >"$log" 2>&1; then
    echo "fuzz: $target: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs"
  else
    echo "fuzz: $target: FAILED (log: $log)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*property violated|.*runtime error)' "$log" | head -5 | sed 's/^/    /'
    grep -E 'Test unit written to' "$log" | sed 's/^/    /'
    return 1
  fi
}

failed=0
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "run-fuzz: FAILED: see the logs above; reproduce with $build/bin/<target> <input>" >&2
  exit 1
fi
echo "run-fuzz: ${#targets[@]} targets, ${seconds}s each, no findings"
