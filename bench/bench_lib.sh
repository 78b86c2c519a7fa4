# Shared helpers for the benchmark scripts (sourced, never run alone): a
# private work directory, an isolated git identity, the real daemon, and
# timing/median helpers. Benchmarks are not tests: nothing here is in ctest.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${REFGUARD_BUILD:-$SRC_DIR/build-bench}
BIN=$BUILD/bin
KEEP=0
DAEMON_PID=""

# bench_setup NAME: makes $T (under $BENCH_TMP or /tmp) and a private $HOME.
bench_setup() {
  for tool in refguardd refguard refguard-hook; do
    [ -x "$BIN/$tool" ] || { echo "missing $BIN/$tool: build first (see bench/README.md)" >&2; exit 2; }
  done
  T=$(mktemp -d "${BENCH_TMP:-/tmp}/refguard-$1.XXXXXX")
  SOCK="$T/refguardd.sock"
  export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home" LC_ALL=C
  mkdir -p "$HOME"
  git config --global user.email "bench@example.test"
  git config --global user.name "Bench"
  git config --global init.defaultBranch main
  git config --global advice.detachedHead false
  git config --global gc.auto 0           # no background gc skewing timings
  git config --global receive.autogc false
  trap bench_cleanup EXIT
}

bench_cleanup() {
  stop_daemon || true
  say "cleaning up"
  if [ "$KEEP" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}

say() { printf '[%4ss] %s\n' "$SECONDS" "$*" >&2; }

source "$SRC_DIR/tests/daemon_control.sh"

# start_daemon LOG [refguardd args...]: refguardd on $SOCK (state in $T/state
# unless --state-dir is given); a benchmark without its daemon stops.
start_daemon() { daemon_start "$@" || exit 1; }

# new_server PATH [install]: a bare repository, with refguard's hooks when $2 = install.
new_server() {
  git init -q --bare "$1"
  if [ "${2:-}" = install ]; then "$BIN/refguard" install --socket "$SOCK" "$1" >/dev/null; fi
}

# Timing: read bash 5's $EPOCHREALTIME into a variable (no process spawned):
#   t0=${EPOCHREALTIME/./}; ...; t1=${EPOCHREALTIME/./}; us_to_ms $((t1 - t0)) >>FILE
us_to_ms() { printf '%d.%03d\n' $(($1 / 1000)) $(($1 % 1000)); }

# timed FILE CMD...: runs CMD (stderr to $T/cmd.err), appends "wall_ms cpu_ms" to FILE: wall
# clock and user+sys CPU of CMD and every process it waited for (for a push:
# git on both sides and the hooks; not the daemon). CPU time is far less
# sensitive than wall time to other load on a shared machine.
timed() {
  local file=$1 TIMEFORMAT='%3R %3U %3S' rc=0
  shift
  { time "$@" 2>>"$T/cmd.err" || rc=$?; } 2>"$T/time.out"
  awk '{ printf "%.3f %.3f\n", $1 * 1000, ($2 + $3) * 1000 }' "$T/time.out" >>"$file"
  return $rc
}

# daemon_cpu_ms PID: user+sys CPU the process has used so far, in ms (clock-tick resolution).
daemon_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# col FILE N: column N of FILE (one number a line), for stats.
col() { awk -v n="$2" '{ print $n }' "$1"; }

# stats FILE: "median p25 p75 n" of the numbers in FILE (one a line).
stats() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    q1 = v[int((NR - 1) * 0.25) + 1]; q3 = v[int((NR - 1) * 0.75) + 1]
    printf "%.2f %.2f %.2f %d\n", m, q1, q3, NR }'
}
median() { stats "$1" | cut -d' ' -f1; }
# mean FILE: for CPU times, which the kernel samples in ticks (a median of ticks is too coarse).
mean() { awk '{ s += $1 } END { if (NR) printf "%.2f\n", s / NR; else print "nan" }' "$1"; }

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }

# daemon_check_ms LOG: the NNN of the last "push accept/reject ... NNNms" line.
daemon_check_ms() { grep -E '\bpush (accept|reject)' "$1" | tail -n 1 | grep -oE '[0-9]+ms' | tail -n 1 | tr -d ms; }

# vm_kib PID FIELD: VmHWM / VmRSS of a process, in KiB.
vm_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

machine_line() {
  local cpu
  cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), git $(git --version | cut -d' ' -f3)"
}
