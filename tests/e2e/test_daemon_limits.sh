#!/usr/bin/env bash
# The daemon's own resources under attack from a local account (issue 15):
#  item 4: with the open-files limit at 256 and ~600 idle connections held
#  open, real pushes are still served within seconds, with the right verdict,
#  and the log stays small (it wrote 5 million "accept failed" lines before);
#  item 13: a deleted or replaced socket path is noticed, logged and taken back.
source "$(dirname "$0")/lib.sh"

flood() { python3 "$(dirname "$0")/idle_flood.py" "$SOCK" "$@"; }

# timed_push WHAT EXPECT DIR ARGS...: a push that must finish within 8 s with verdict EXPECT.
timed_push() {
  local what=$1 expect=$2 started=$SECONDS
  shift 2
  push "$@"
  local took=$((SECONDS - started))
  if [ "$expect" = accepted ]; then expect_accepted "$what"; else expect_rejected "$what"; fi
  expect_no_output "$what: answered by the daemon, not the fail mode" "failMode"
  if [ "$took" -le 8 ]; then pass "$what: within ${took} s"; else fail "$what: took ${took} s"; fi
}

server=$(new_server limits)
git -C "$server" config refguard.failMode reject
git -C "$server" config refguard.timeout 30
work=$(new_clone "$server" work)

ulimit -Sn 256
start_daemon --request-timeout 2
grep -q "connections: at most 128 at once, 64 per client uid" "$T/daemon.log" && pass "caps follow the open-files limit" ||
  fail "caps: $(grep connections: "$T/daemon.log")"

flood 600 12 >"$T/flood1.out" &
flood_pid=$!
sleep 2
commit_file "$work" a.txt "a
"
timed_push "a clean push during the flood" accepted "$work" origin HEAD:main
commit_file "$work" b.py "KEY = \"$(fake_openai_key)\"
"
timed_push "a push with a key during the flood" rejected "$work" origin HEAD:main
git -C "$work" reset -q --hard HEAD~1
wait "$flood_pid" || true
log_lines=$(wc -l <"$T/daemon.log")
if [ "$log_lines" -lt 60 ]; then pass "the log stays small under the flood ($log_lines lines)"; else
  fail "the log has $log_lines lines"
  sort "$T/daemon.log" | cut -c26- | sort | uniq -c | sort -rn | head -5 >&2
fi
stop_daemon

# Past the descriptors: a cap above the open-files limit makes accept() fail
# with EMFILE; the daemon backs off instead of spinning, and still serves.
: >"$T/daemon.log"
start_daemon --request-timeout 2 --max-connections 5000 --max-connections-per-uid 5000
flood 600 12 >"$T/flood2.out" &
flood_pid=$!
sleep 2
commit_file "$work" c.txt "c
"
push "$work" origin HEAD:main
expect_accepted "a push while the daemon is out of descriptors"
wait "$flood_pid" || true
accept_failed=$(grep -c "accept failed" "$T/daemon.log" || true)
if [ "$accept_failed" -ge 1 ] && [ "$accept_failed" -le 10 ]; then pass "EMFILE hit and logged $accept_failed times, rate-limited"; else
  fail "EMFILE logged $accept_failed times"
fi
stop_daemon
ulimit -Sn "$(ulimit -Hn)"

# Item 13: the socket path deleted, then replaced by a plain file, then freed.
: >"$T/daemon.log"
start_daemon
rm -f "$SOCK"
if wait_for_log "was deleted: listening on it again"; then pass "a deleted socket is noticed and logged"; else fail "deleted socket not noticed"; fi
commit_file "$work" d.txt "d
"
push "$work" origin HEAD:main
expect_accepted "pushes reach the daemon again after the socket was deleted"
rm -f "$SOCK" && echo "not a socket" >"$SOCK"
if wait_for_log "cannot take it back"; then pass "a socket path replaced by a file is logged"; else fail "replaced path not logged"; fi
rm -f "$SOCK"
rebound=0
for _ in $(seq 1 100); do
  [ "$(grep -c "listening on it again" "$T/daemon.log")" -ge 2 ] && rebound=1 && break
  sleep 0.1
done
if [ "$rebound" = 1 ]; then pass "the path is taken back once free"; else fail "not rebound"; fi
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
commit_file "$work" e.txt "e
"
push "$work" origin HEAD:main
expect_accepted "pushes reach the daemon after the path was freed"

finish
