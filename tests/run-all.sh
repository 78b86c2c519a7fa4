#!/usr/bin/env bash
# The README's second command and what CI runs (.ci/run): install dependencies,
# then these stages, each in its own build directory:
#   build             build with warnings as errors in build/, run every test (ctest);
#   asan              every test again under ASan+UBSan (tests/run-sanitizers.sh, build-asan/);
#   tsan              the daemon's concurrency tests under TSan (same script, build-tsan/);
#   fuzz              every libFuzzer target: corpus replay, then REFGUARD_FUZZ_SECONDS
#                     each, two at a time (tests/run-fuzz.sh, build-fuzz/);
#   static-analysis   clang-tidy and cppcheck, warnings as errors, over build/'s
#                     compilation database (tests/run-static-analysis.sh).
# Every stage runs even when an earlier one failed, prints its elapsed time, and
# a summary closes the run; the exit status is 1 when any stage failed. On a
# 2-core machine the build stage takes about 7 minutes; the hardening stages,
# with three more full builds, take several times that.
#
#   REFGUARD_QUICK=1        the build stage only, for quick local runs
#   REFGUARD_BUILD_DIR      the build stage's directory (default build/)
#   REFGUARD_FUZZ_SECONDS   seconds per fuzz target (default 60)
set -uo pipefail  # no -e: a failing stage is recorded and the next one still runs
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
build=$(realpath -m "${REFGUARD_BUILD_DIR:-$root/build}")
total_start=$SECONDS

bash "$root/packaging/install-deps.sh" || exit 1

summary=()
failed=0
# stage NAME COMMAND...: runs one stage and records its status and elapsed time.
stage() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "===== $name: starting"
  "$@" || status=$?
  local elapsed=$((SECONDS - start)) result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  echo "===== $name: $result in $elapsed s"
  summary+=("$(printf '%-16s %-18s %5d s' "$name" "$result" "$elapsed")")
}

build_and_test() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREFGUARD_WERROR=ON &&
    cmake --build "$build" -j"$jobs" &&
    ctest --test-dir "$build" --output-on-failure -j"$jobs"
}

stage build build_and_test
if [ "${REFGUARD_QUICK:-0}" != 1 ]; then
  stage asan env REFGUARD_SANITIZERS=asan bash "$root/tests/run-sanitizers.sh"
  stage tsan env REFGUARD_SANITIZERS=tsan bash "$root/tests/run-sanitizers.sh"
  stage fuzz env REFGUARD_FUZZ_SECONDS="${REFGUARD_FUZZ_SECONDS:-60}" REFGUARD_FUZZ_JOBS=2 \
    bash "$root/tests/run-fuzz.sh"
  stage static-analysis bash "$root/tests/run-static-analysis.sh" "$build"
else
  echo "REFGUARD_QUICK=1: skipping the asan, tsan, fuzz and static-analysis stages"
fi

echo "===== summary (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
echo "total: $((SECONDS - total_start)) s; $([ "$failed" -eq 0 ] && echo "every stage passed" || echo "FAILED")"
exit "$failed"
