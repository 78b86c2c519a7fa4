#!/usr/bin/env bash
# Shared scan cache benchmarks (issue 18, part 3), with a real redis-server on
# 127.0.0.1 (started here, stopped on exit):
#  (a) a second server's check of a fork of a history another server already
#      checked: the whole history pushed to an empty repository on a fresh
#      daemon (cold in-process caches, no scan-cache file) with --shared-cache
#      (Redis filled by the first server) vs without (cold); the daemon's own
#      check time and CPU, interleaved, medians;
#  (b) the latency --shared-cache adds to a one-commit push (5 new files): two
#      daemons side by side, with and without, pushes interleaved; push wall
#      medians and the daemons' check times (mean: they log whole ms).
#
#   bench/shared_cache_bench.sh [--commits N] [--runs R] [--pushes P] [--shape S] [--keep]
# Default: 3,000 commits, 3 runs, 40 one-commit pushes (a few minutes on 2 cores).
# --shape plain (default: one branch, text only), framework (an agent
# framework, as in history_scale.sh: a ref per 7 commits, 1 % media files) or
# cookbook (large notebooks, 15 % media, a ref per 50 commits).
source "$(dirname "$0")/bench_lib.sh"

COMMITS=3000 RUNS=3 PUSHES=40 SHAPE=plain
while [ $# -gt 0 ]; do
  case $1 in
    --commits) COMMITS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --pushes) PUSHES=$2; shift 2 ;;
    --shape) SHAPE=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--commits N] [--runs R] [--pushes P] [--shape plain|framework|cookbook] [--keep]" >&2; exit 2 ;;
  esac
done
case $SHAPE in
  plain) GEN_ARGS=(--refs 0) ;;
  framework) GEN_ARGS=(--refs $((COMMITS / 7)) --media-rate 0.01) ;;
  cookbook) GEN_ARGS=(--refs $((COMMITS / 50)) --media-rate 0.15 --large-notebooks) ;;
  *) echo "--shape: plain, framework or cookbook" >&2; exit 2 ;;
esac
command -v redis-server >/dev/null || { echo "redis-server missing: packaging/install-deps.sh" >&2; exit 2; }
bench_setup shared-cache
OUT="$T/results.md"
REDIS_PID=""
stop_redis() {
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  REDIS_PID=""
}
trap 'stop_redis; bench_cleanup' EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/redis"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$T/redis" \
  --maxmemory 512mb --maxmemory-policy allkeys-lru >"$T/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
SHARED="redis://127.0.0.1:$port"

echo "## Shared scan cache (bench/shared_cache_bench.sh --commits $COMMITS --runs $RUNS --pushes $PUSHES --shape $SHAPE)" >"$OUT"
echo "machine: $(machine_line), $(redis-server --version | cut -d' ' -f1-3)" >>"$OUT"

say "generating $COMMITS commits"
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/src" --commits "$COMMITS" --seed 21 --key-rate 0 --bare "${GEN_ARGS[@]}"
printf '[settings]\ntime_budget_ms = 600000\n' >"$T/long-budget.toml"

# push_whole NAME LOG [daemon args...]: a fresh daemon (cold caches) checks the
# whole history pushed to an empty repository; appends check ms and daemon CPU ms.
push_whole() {
  local name=$1 log=$2 repo="$T/$1.git"
  shift 2
  rm -rf "$T/state-$name" "$repo"
  start_daemon "$log" --config "$T/long-budget.toml" --state-dir "$T/state-$name" "$@"
  if [ "$*" != "" ]; then  # wait for the pool's connections
    for _ in $(seq 1 100); do
      "$BIN/refguard" status --socket "$SOCK" --json |
        python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["shared_cache"]["connected"] else 1)' && break
      sleep 0.05
    done
  fi
  new_server "$repo" install
  git -C "$repo" config refguard.timeout 900
  local cpu0
  cpu0=$(daemon_cpu_ms "$DAEMON_PID")
  git -C "$T/src" push -q "$repo" 'refs/heads/*:refs/heads/*' 'refs/tags/*:refs/tags/*' 2>>"$T/cmd.err" || { echo "push failed" >&2; tail "$T/cmd.err" >&2; exit 1; }
  echo "$(daemon_check_ms "$log") $(( $(daemon_cpu_ms "$DAEMON_PID") - cpu0 ))" >>"$T/a-$name"
  "$BIN/refguard" status --socket "$SOCK" --json >"$T/status-$name.json"
  stop_daemon
}

# --- (a) -----------------------------------------------------------------------
say "(a) first server fills Redis"
push_whole first "$T/daemon-first.log" --shared-cache "$SHARED"
keys=$(redis-cli -p "$port" dbsize)
say "Redis holds $keys entries, $(redis-cli -p "$port" info memory | awk -F: '/^used_memory_human/ { print $2 }' | tr -d '\r')"
for r in $(seq 1 "$RUNS"); do
  say "(a) run $r/$RUNS: cold, then shared"
  push_whole cold "$T/daemon-cold.log"
  push_whole shared "$T/daemon-shared.log" --shared-cache "$SHARED"
done
hits=$(python3 -c "import json; print(json.load(open('$T/status-shared.json'))['shared_cache']['hits'])")
commit_hits=$(python3 -c "import json; print(json.load(open('$T/status-shared.json'))['shared_cache']['commit_hits'])")
files=$(grep -E 'push (accept|reject)' "$T/daemon-cold.log" | tail -1 | grep -oE 'files=[0-9]+' | cut -d= -f2)
cold_ms=$(median <(col "$T/a-cold" 1)); shared_ms=$(median <(col "$T/a-shared" 1))
cold_cpu=$(median <(col "$T/a-cold" 2)); shared_cpu=$(median <(col "$T/a-shared" 2))
{
  echo
  echo "(a) a second server checks a fork of a $COMMITS-commit history ($files files) pushed to an empty repository; fresh daemon each run; $RUNS runs, medians; Redis: $keys entries"
  echo
  echo "| | daemon check ms | daemon CPU ms |"
  echo "|---|---|---|"
  echo "| cold (no shared cache) | $cold_ms | $cold_cpu |"
  echo "| --shared-cache, Redis warm ($commit_hits commits and $hits blobs from Redis) | $shared_ms | $shared_cpu |"
  echo "| cold / shared | $(ratio "$cold_ms" "$shared_ms")x | $(ratio "$cold_cpu" "$shared_cpu")x |"
} >>"$OUT"

# --- (b) -----------------------------------------------------------------------
say "(b) one-commit pushes: $PUSHES each, with and without --shared-cache"
SOCK_PLAIN="$T/plain.sock" SOCK_SHARED="$T/shared.sock"
SOCK=$SOCK_PLAIN start_daemon "$T/daemon-plain.log" --state-dir "$T/state-plain"
PLAIN_PID=$DAEMON_PID
SOCK=$SOCK_SHARED start_daemon "$T/daemon-b-shared.log" --state-dir "$T/state-b-shared" --shared-cache "$SHARED"
SHARED_PID=$DAEMON_PID
DAEMON_PID=$PLAIN_PID
trap 'kill $SHARED_PID 2>/dev/null || true; wait $SHARED_PID 2>/dev/null || true; stop_redis; bench_cleanup' EXIT
for kind in plain shared; do
  git init -q --bare "$T/small-$kind.git"
  sock_var="SOCK_${kind^^}"
  "$BIN/refguard" install --socket "${!sock_var}" "$T/small-$kind.git" >/dev/null
  git clone -q "$T/small-$kind.git" "$T/work-$kind" 2>/dev/null
  commit_n=0
  mkdir -p "$T/work-$kind/bench"
  echo "seed" >"$T/work-$kind/README.md"
  git -C "$T/work-$kind" add -A && git -C "$T/work-$kind" commit -q -m seed
  git -C "$T/work-$kind" push -q origin HEAD:main 2>>"$T/cmd.err"
done
one_push() {  # one_push KIND N: 5 new files (new blobs: the caches miss), one timed push
  local work="$T/work-$1" f
  for f in 1 2 3 4 5; do printf 'import os\nVALUE_%s_%s = "%s"\n' "$2" "$f" "$RANDOM$RANDOM" >"$work/bench/f$f.py"; done
  git -C "$work" add -A && git -C "$work" commit -q -m "change $2"
  timed "$T/b-wall-$1" git -C "$work" push -q origin HEAD:main
}
for i in $(seq 1 "$PUSHES"); do
  one_push plain "$i"
  one_push shared "$i"
done
kill "$SHARED_PID"; wait "$SHARED_PID" 2>/dev/null || true
# The daemon logs each check's time in microseconds too (duration_us=).
check_ms() { grep -E 'push accept' "$1" | tail -n "$PUSHES" | grep -oE 'duration_us=[0-9]+' | cut -d= -f2 | awk '{ printf "%.3f\n", $1 / 1000 }'; }
check_ms "$T/daemon-plain.log" >"$T/b-check-plain"
check_ms "$T/daemon-b-shared.log" >"$T/b-check-shared"
pw=$(median <(col "$T/b-wall-plain" 1)); sw=$(median <(col "$T/b-wall-shared" 1))
pc=$(mean "$T/b-check-plain"); sc=$(mean "$T/b-check-shared")
pcm=$(median "$T/b-check-plain"); scm=$(median "$T/b-check-shared")
{
  echo
  echo "(b) one-commit push (5 new files) to a small repository, Redis on the same host; $PUSHES pushes each, interleaved"
  echo
  echo "| | push wall ms (median) | daemon check ms (median) | daemon check ms (mean) |"
  echo "|---|---|---|---|"
  echo "| no shared cache | $pw | $pcm | $pc |"
  echo "| --shared-cache | $sw | $scm | $sc |"
  echo "| added | $(awk -v a="$sw" -v b="$pw" 'BEGIN { printf "%.2f", a - b }') | $(awk -v a="$scm" -v b="$pcm" 'BEGIN { printf "%.2f", a - b }') | $(awk -v a="$sc" -v b="$pc" 'BEGIN { printf "%.2f", a - b }') |"
  echo
  echo "Redis round trip on this host (the lookup a one-commit push adds, one MGET): $(redis-benchmark -p "$port" -t get -n 3000 -c 1 2>/dev/null | awk '/latency summary/ { getline; getline; print "avg " $1 " ms, p50 " $3 " ms, p99 " $5 " ms" }') (redis-benchmark -t get -c 1)"
} >>"$OUT"
cat "$OUT"
