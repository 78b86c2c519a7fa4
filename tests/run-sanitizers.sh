#!/usr/bin/env bash
# Builds the whole project twice with g++ sanitizers and runs the tests:
#   1. -DREFGUARD_SANITIZE=address,undefined in ASAN_DIR: every ctest test;
#   2. -DREFGUARD_SANITIZE=thread in TSAN_DIR: every ctest test (the e2e tests
#      are the daemon's concurrent sessions, work pool and shutdown).
# Fails on a failing test or on any sanitizer report. Reports go to files,
# not stderr (see cmake/sanitizer_defaults.cpp.in): DIR/sanitizer-logs/report.<pid>
# from every sanitized process, including hooks run by git, sshd or a web server.
#
#   bash tests/run-sanitizers.sh [ASAN_DIR] [TSAN_DIR]     (default build-asan, build-tsan)
#
#   REFGUARD_SANITIZERS   stages to run: "asan tsan" (default), "asan" or "tsan"
#   REFGUARD_CTEST_ARGS   extra ctest arguments, e.g. "-R e2e"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
asan_dir=$(realpath -m "${1:-$root/build-asan}")
tsan_dir=$(realpath -m "${2:-$root/build-tsan}")
stages=${REFGUARD_SANITIZERS:-asan tsan}
jobs=$(nproc)
read -r -a extra_ctest_args <<<"${REFGUARD_CTEST_ARGS:-}"

bash "$root/packaging/install-deps.sh"

# run_stage NAME DIR SANITIZERS [CXXFLAGS]: configure, build, test, then check the report directory.
run_stage() {
  local name=$1 dir=$2 sanitizers=$3 extra_flags=${4:-} logs="$2/sanitizer-logs" start=$SECONDS status=0
  echo "== $name: building in $dir (-DREFGUARD_SANITIZE=$sanitizers)"
  # -O1 -g1: the sanitizers' recommended level, half the compile time of -O2 -g,
  # and reports still name file:line. Debug keeps assert() on.
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DCMAKE_CXX_FLAGS="$extra_flags" -DREFGUARD_SANITIZE="$sanitizers" -DREFGUARD_SANITIZER_LOG_DIR="$logs" >/dev/null
  # Cleared before the build: listing the unit tests at build time runs a sanitized binary too.
  rm -rf "$logs" && mkdir -p "$logs"
  if cmake --build "$dir" -j"$jobs"; then
    echo "== $name: testing (built in $((SECONDS - start)) s)"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" "${extra_ctest_args[@]}" || status=1
  else
    status=1
  fi
  local reports=("$logs"/report.*)
  if [ -e "${reports[0]}" ]; then
    status=1
    echo "== $name: ${#reports[@]} sanitizer report(s) in $logs:" >&2
    for report in "${reports[@]}"; do
      echo "--- $report" >&2
      head -n 60 "$report" >&2
    done
  fi
  echo "== $name: $([ "$status" -eq 0 ] && echo ok || echo FAILED) in $((SECONDS - start)) s"
  return "$status"
}

failed=0
for stage in $stages; do
  case $stage in
    # _GLIBCXX_ASSERTIONS: libstdc++ bounds-checks operator[], front(), back() and
    # friends, catching what ASan misses inside a container's capacity.
    asan) run_stage asan "$asan_dir" address,undefined -D_GLIBCXX_ASSERTIONS || failed=1 ;;
    tsan) run_stage tsan "$tsan_dir" thread || failed=1 ;;
    *) echo "unknown stage '$stage' in REFGUARD_SANITIZERS" >&2; exit 2 ;;
  esac
done
exit "$failed"
