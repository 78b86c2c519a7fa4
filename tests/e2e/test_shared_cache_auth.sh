#!/usr/bin/env bash
# A shared cache on a Redis that requires a password (requirepass): the
# daemon authenticates with the credentials of --shared-cache-auth, which
# must be a file other users cannot read; without them it never reads from
# or writes to that Redis, and pushes are still judged on the local cache.
# Credentials in the URL are refused: the command line is public.
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || { fail "redis-server is missing: packaging/install-deps.sh installs it"; finish; }

REDIS_PID=""
trap '[ -n "$REDIS_PID" ] && kill -KILL "$REDIS_PID" 2>/dev/null; wait 2>/dev/null; cleanup' EXIT
mkdir -p "$T/redis"
password="s3cret-$RANDOM$RANDOM"
redis-server --port 0 --unixsocket "$T/redis/redis.sock" --unixsocketperm 700 --requirepass "$password" \
  --save "" --appendonly no --dir "$T/redis" >"$T/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do
  [ -S "$T/redis/redis.sock" ] && break
  sleep 0.05
done
[ -S "$T/redis/redis.sock" ] || { fail "redis-server did not start: $(cat "$T/redis.log")"; finish; }
URL="unix://$T/redis/redis.sock"
status() {
  "$BIN/refguard" status --socket "$SOCK" --json | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}

# Bad ways to give credentials are refused at start, naming what is wrong.
rc=0
out=$("$BIN/refguardd" --socket "$T/x.sock" --shared-cache "redis://user:$password@127.0.0.1:6379" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--shared-cache-auth" <<<"$out" && ! grep -qF "$password" <<<"$out" &&
  pass "a password in the URL is refused (and not echoed)" || fail "URL credentials: $out"
printf '%s\n' "$password" >"$T/auth"
chmod 644 "$T/auth"
rc=0
out=$("$BIN/refguardd" --socket "$T/x.sock" --shared-cache "$URL" --shared-cache-auth "$T/auth" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && grep -q "other users can read" <<<"$out" && pass "a credentials file others can read is refused" ||
  fail "world-readable credentials: $out"
chmod 600 "$T/auth"

work="$T/work"
git init -q "$work"
commit_file "$work" app.py "OPENAI_API_KEY = \"$(fake_openai_key)\"
" "a key"

# Without credentials: refused by Redis, the push is still judged.
start_daemon --state-dir "$T/state-none" --shared-cache "$URL"
server=$(new_server none)
git -C "$work" remote add none "$server"
push "$work" none HEAD:main
expect_rejected "without credentials the key is still rejected (local cache)"
for _ in $(seq 1 100); do grep -q "authentication refused\|NOAUTH" "$T/daemon.log" && break; sleep 0.05; done
grep -q "NOAUTH\|authentication refused" "$T/daemon.log" && pass "the daemon logs that Redis wants a password" ||
  fail "no log line for the refused connection: $(cat "$T/daemon.log")"
[ "$(status 's["shared_cache"]["connected"]')" = False ] && pass "and reports it unconnected" ||
  fail "reported connected without credentials"
[ "$(redis-cli -s "$T/redis/redis.sock" -a "$password" --no-auth-warning dbsize)" = 0 ] &&
  pass "nothing was written to Redis" || fail "Redis holds entries written without credentials"
stop_daemon

# With them: connected, findings written and shared; the password never logged.
start_daemon --state-dir "$T/state-auth" --shared-cache "$URL" --shared-cache-auth "$T/auth"
for _ in $(seq 1 100); do [ "$(status 's["shared_cache"]["connected"]')" = True ] && break; sleep 0.05; done
[ "$(status 's["shared_cache"]["connected"]')" = True ] && pass "with --shared-cache-auth the daemon connects" ||
  fail "not connected with credentials: $(cat "$T/daemon.log")"
server=$(new_server auth)
git -C "$work" remote add auth "$server"
push "$work" auth HEAD:main
expect_rejected "and rejects the key"
for _ in $(seq 1 100); do [ "$(redis-cli -s "$T/redis/redis.sock" -a "$password" --no-auth-warning dbsize)" -gt 0 ] && break; sleep 0.05; done
[ "$(redis-cli -s "$T/redis/redis.sock" -a "$password" --no-auth-warning dbsize)" -gt 0 ] &&
  pass "its findings reach Redis" || fail "nothing written with credentials"
! grep -qF "$password" "$T/daemon.log" && pass "the password is never logged" || fail "the password is in the log"
OUT=$("$BIN/refguard" status --socket "$SOCK")
expect_no_output "nor shown by refguard status" "$password"
stop_daemon

finish
