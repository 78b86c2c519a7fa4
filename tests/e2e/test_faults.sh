#!/usr/bin/env bash
# Issue 8 faults with real pushes: a daemon killed mid-push, a stale socket,
# a socket path of the wrong type, an unwritable state directory, a full disk
# under the audit log, and a client that leaves before its verdict.
source "$(dirname "$0")/lib.sh"

start_daemon
new_app

# The daemon hangs, then is SIGKILLed with the push's connection open: the hook
# times out, follows failMode=inline, and the verdict is still right.
git -C "$server" config refguard.timeout 1
commit_file "$work" key.py "KEY = \"$(fake_openai_key)\"
" "key while the daemon hangs"
kill -STOP "$DAEMON_PID"
( sleep 0.5; kill -KILL "$DAEMON_PID" ) &
push "$work" origin HEAD:main
wait
DAEMON_PID=""
expect_rejected "a push while the daemon is killed mid-push is still rejected (inline check)"
expect_output "the pusher is told the daemon gave no verdict" "daemon gave no verdict"
expect_output "the inline check names the finding" "key.py:1"
if git -C "$server" rev-parse -q --verify "refs/heads/main" >/dev/null &&
   [ "$(git -C "$server" rev-parse main)" = "$(git -C "$work" rev-parse origin/main)" ]; then
  pass "the rejected push did not half-land"
else fail "main moved"; fi
[ -S "$SOCK" ] && pass "the killed daemon left a stale socket" || fail "expected a stale socket"

# A new daemon takes over the stale socket and the next push is served by it.
start_daemon
git -C "$work" reset -q --hard origin/main
commit_file "$work" ok.py "print('ok')
" "after restart"
push "$work" origin HEAD:main
expect_accepted "after a restart the next push works"
expect_no_output "and is served by the daemon, not the fail mode" "daemon gave no verdict"

# A client that sends a whole request and leaves before the verdict.
raw() { python3 "$(dirname "$0")/raw_client.py" "$SOCK" "$@"; }
z=0000000000000000000000000000000000000000
raw --timeout 0.01 'p:version 1' 'p:command pre-receive' "p:repo $server" f "p:update $z $(git -C "$server" rev-parse main) refs/heads/gone" f >/dev/null
sleep 0.3
kill -0 "$DAEMON_PID" && pass "the daemon survives a client that leaves before its verdict" || fail "daemon died"
commit_file "$work" ok2.py "print('ok2')
" "after a vanished client"
push "$work" origin HEAD:main
expect_accepted "and keeps serving"
stop_daemon

# A socket path that is a regular file: the hook follows its fail mode and says why.
git -C "$server" config refguard.failMode reject
touch "$T/regular-file"
git -C "$server" config refguard.socket "$T/regular-file"
commit_file "$work" ok3.py "print('ok3')
" "socket of the wrong type"
push "$work" origin HEAD:main
expect_rejected "a socket path of the wrong type follows failMode=reject"
expect_output "the pusher learns why" "cannot connect to $T/regular-file"
git -C "$server" config refguard.socket "$SOCK"
git -C "$server" config refguard.failMode inline

# An unwritable state directory and a full disk under the audit log: verdicts stay right, failures are reported.
start_daemon --state-dir /proc/refguard-cannot-exist --audit-log /dev/full
grep -q "state directory /proc/refguard-cannot-exist is unusable" "$T/daemon.log" && pass "an unwritable state directory is reported at start" || fail "state dir problem not reported"
push "$work" origin HEAD:main
expect_accepted "a clean push is accepted with the audit disk full"
commit_file "$work" key2.py "KEY = \"$(fake_openai_key)\"
" "key with the disk full"
push "$work" origin HEAD:main
expect_rejected "a key is still rejected with the audit disk full"
expect_output "the pusher is told the audit record failed" "audit log could not be written"
wait_for_log "AUDIT LOG WRITE FAILED" && pass "the audit failure is logged" || fail "audit failure not logged"
OUT=$("$BIN/refguard" status --socket "$SOCK" --json)
if python3 -c "import json,sys; assert json.loads(sys.argv[1])['audit_errors'] >= 2" "$OUT"; then
  pass "status counts audit failures"
else fail "audit_errors not counted: $OUT"; fi

finish
