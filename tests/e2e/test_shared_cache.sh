#!/usr/bin/env bash
# Issue 18, part 3: two daemons ("two servers", each with its own state
# directory and bare repository, the repositories sharing history) share one
# scan cache on a real redis-server started here (127.0.0.1 on a free port for
# one daemon, a Unix socket for the other). The second server's check of a
# history the first already checked reads its findings from Redis and gives
# the same verdict; a hung Redis (SIGSTOP) and a dead one (SIGKILL) cost a push
# nothing but the timeout: the verdict stays correct and the daemon stays up;
# when Redis comes back, the daemon reconnects by itself.
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || { fail "redis-server is missing: packaging/install-deps.sh installs it"; finish; }

REDIS_PID=""
A_PID=""
B_PID=""
stop_all() {
  local pid
  for pid in "$A_PID" "$B_PID"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  if [ -n "$REDIS_PID" ]; then
    kill -CONT "$REDIS_PID" 2>/dev/null || true
    kill -KILL "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  return 0
}
trap 'stop_all; cleanup' EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/redis"
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$T/redis/redis.sock" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$T/redis" --maxmemory 64mb --maxmemory-policy allkeys-lru \
    >>"$T/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 100); do
    [ -S "$T/redis/redis.sock" ] && redis-cli -s "$T/redis/redis.sock" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "redis-server did not start: $(cat "$T/redis.log")"
  finish
}
start_redis

# status SOCKET EXPR: a Python expression over the status JSON `s`.
status() {
  "$BIN/refguard" status --socket "$1" --json | python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"
}
wait_connected() {
  for _ in $(seq 1 100); do
    [ "$(status "$1" 's["shared_cache"]["connected"]')" = True ] && return 0
    sleep 0.05
  done
  return 1
}

# Server A on TCP, server B on the Unix socket: both address forms.
SOCK="$T/a.sock"
start_daemon --state-dir "$T/state-a" --shared-cache "redis://127.0.0.1:$port"
A_PID=$DAEMON_PID
SOCK_A=$SOCK
cp "$T/daemon.log" "$T/a.log" 2>/dev/null || true
SOCK="$T/b.sock"
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
daemon_start "$T/b.log" --state-dir "$T/state-b" --shared-cache "unix://$T/redis/redis.sock" --metrics-port "$metrics_port" ||
  { fail "daemon B did not start"; finish; }
B_PID=$DAEMON_PID
SOCK_B=$SOCK
DAEMON_PID=""  # stopped by stop_all
wait_connected "$SOCK_A" && pass "server A connects to redis://127.0.0.1:$port" || fail "server A never connected"
wait_connected "$SOCK_B" && pass "server B connects to the Unix socket" || fail "server B never connected"

server_a="$T/a.git"
server_b="$T/b.git"
git init -q --bare "$server_a"
git init -q --bare "$server_b"
"$BIN/refguard" install --socket "$SOCK_A" "$server_a" >/dev/null
"$BIN/refguard" install --socket "$SOCK_B" "$server_b" >/dev/null

# A shared history: clean files, a warning (torch.load), then a key.
work="$T/work"
git init -q "$work"
# More commits than a push needs for its packed commits to be read ahead on
# the work pool (git/push_reader.cpp): the path a large fork takes.
modules=70
for i in $(seq 1 "$modules"); do
  commit_file "$work" "src/module_$i.py" "def f_$i():
    return $i
" "module $i"
done
commit_file "$work" train.py "import torch
model = torch.load(\"model.pt\")
" "warning"
git -C "$work" branch clean
commit_file "$work" config.py "OPENAI_API_KEY = \"$(fake_openai_key)\"
" "key"
git -C "$work" remote add a "$server_a"
git -C "$work" remote add b "$server_b"

# remote: lines without timings, for comparing two servers' answers.
verdict_lines() { grep '^remote:' <<<"$1" | grep -v -E 'took|[0-9]+ ms|scanned [0-9]' | sed 's/[0-9.]* s\b//g' || true; }

push "$work" a HEAD:main
expect_rejected "server A rejects the history with a key (cold: scanned)"
out_a=$OUT
stored=0
for _ in $(seq 1 100); do
  stored=$(status "$SOCK_A" 's["shared_cache"]["stored"]')
  [ "$stored" -gt 0 ] && break
  sleep 0.05
done
[ "$stored" -gt "$modules" ] && pass "server A wrote its findings to Redis ($stored entries)" || fail "server A stored $stored entries"

push "$work" b HEAD:main
expect_rejected "server B rejects the same history"
expect_output "server B names the same key" "openai-api-key"
out_b=$OUT
if [ "$(verdict_lines "$out_a")" = "$(verdict_lines "$out_b")" ]; then pass "both servers give the same report"; else
  fail "the reports differ"
  diff <(verdict_lines "$out_a") <(verdict_lines "$out_b") >&2 || true
fi
commit_hits=$(status "$SOCK_B" 's["shared_cache"]["commit_hits"]')
all_commits=$((modules + 2))
[ "$commit_hits" -eq "$all_commits" ] && pass "server B judged all $all_commits commits from Redis (shared commit hits: $commit_hits)" ||
  fail "server B had $commit_hits shared commit hits, not $all_commits"
[ "$(status "$SOCK_B" 's["scan_cache"]["misses"]')" -eq 0 ] && [ "$(status "$SOCK_B" 's["commit_cache"]["entries"]')" -eq 0 ] &&
  pass "so it read no blob and diffed no tree" || fail "server B read what Redis had judged"

# The same files in new commits (a squash): no commit is known, every blob is.
squashed=$(git -C "$work" commit-tree "HEAD^{tree}" -m "squashed history")
push "$work" b "$squashed:refs/heads/squashed"
expect_rejected "server B rejects the squashed history"
expect_output "naming the key" "openai-api-key"
hits=$(status "$SOCK_B" 's["shared_cache"]["hits"]')
[ "$hits" -ge "$all_commits" ] && pass "server B read every blob's findings from Redis (shared-cache hits: $hits)" ||
  fail "server B had $hits shared-cache hits"
[ "$(status "$SOCK_B" 's["scan_cache"]["misses"]')" -gt 0 ] && pass "server B's local cache was cold" ||
  fail "server B's local cache was not cold"

python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics', timeout=5).read().decode())" >"$T/metrics.txt"
OUT=$(cat "$T/metrics.txt")
expect_output "/metrics has the shared-cache hits" "refguard_cache_hits_total{cache=\"shared_scan\"} $hits"
expect_output "/metrics has the shared commit hits" "refguard_cache_hits_total{cache=\"shared_commit_findings\"} $commit_hits"
expect_output "/metrics has the shared-cache errors" "refguard_shared_cache_errors_total 0"
expect_output "/metrics says Redis is up" "refguard_shared_cache_up 1"
if command -v promtool >/dev/null; then
  promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 && pass "promtool accepts /metrics with the shared cache" ||
    fail "promtool check metrics: $(cat "$T/promtool.out")"
fi

push "$work" b clean:main
expect_accepted "server B accepts the clean part of the history (from its caches)"
OUT=$("$BIN/refguard" status --socket "$SOCK_B")
expect_output "refguard status shows the shared cache" "shared cache"
commit_misses=$(status "$SOCK_B" 's["shared_cache"]["commit_misses"]')
expect_output "and the commits it judged from Redis" ", $commit_hits hits, $commit_misses misses (commits)"


# A hung Redis: every lookup times out, the push is checked locally.
kill -STOP "$REDIS_PID"
commit_file "$work" more.py "ANTHROPIC_API_KEY = \"$(fake_anthropic_key)\"
" "another key"
started=$(date +%s%N)
push "$work" b HEAD:main
took_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expect_rejected "with Redis hung, server B still rejects a new key"
expect_output "and names it" "anthropic-api-key"
[ "$took_ms" -lt 5000 ] && pass "the push with Redis hung took $took_ms ms" || fail "the push took $took_ms ms"

# A dead Redis, killed while the pushes go on.
push "$work" a HEAD:main &
push_pid=$!
kill -CONT "$REDIS_PID"
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=""
wait "$push_pid" || true
push "$work" a HEAD:main
expect_rejected "with Redis killed, server A still rejects the key"
kill -0 "$A_PID" && kill -0 "$B_PID" && pass "both daemons stay up" || fail "a daemon died"
errors=$(status "$SOCK_B" 's["shared_cache"]["errors"]')
[ "$errors" -gt 0 ] && pass "server B counts shared-cache errors ($errors)" || fail "no shared-cache errors counted"
wait_down() {
  for _ in $(seq 1 200); do
    [ "$(status "$1" 's["shared_cache"]["connected"]')" = False ] && return 0
    sleep 0.05
  done
  return 1
}
wait_down "$SOCK_A" && pass "server A reports Redis down" || fail "server A still reports Redis up"
wait_down "$SOCK_B" && pass "server B notices by itself (health check) that Redis is down" ||
  fail "server B still reports Redis up"
grep -q 'shared cache unavailable' "$T/b.log" && pass "server B logs that Redis is unavailable" ||
  fail "no log line for the failure"
lines=$(grep -c 'shared cache unavailable' "$T/b.log")
[ "$lines" -le 4 ] && [ "$lines" -lt "$(status "$SOCK_B" 's["shared_cache"]["errors"]')" ] &&
  pass "and the log line is rate-limited ($lines lines)" ||
  fail "the failure is logged $(grep -c 'shared cache unavailable' "$T/b.log") times"

# Redis comes back: the daemons reconnect in the background.
start_redis
wait_connected "$SOCK_A" && pass "server A reconnects by itself" || fail "server A did not reconnect"
git -C "$work" checkout -q -b fresh clean
commit_file "$work" fresh.py "x = 1
" "fresh"
push "$work" a fresh
expect_accepted "server A checks a new branch after the restart"
for _ in $(seq 1 100); do
  [ "$(redis-cli -s "$T/redis/redis.sock" dbsize)" -gt 0 ] && break
  sleep 0.05
done
[ "$(redis-cli -s "$T/redis/redis.sock" dbsize)" -gt 0 ] && pass "and writes to the new Redis again" ||
  fail "nothing written after the restart"

finish
