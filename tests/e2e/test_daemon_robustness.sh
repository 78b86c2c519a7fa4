#!/usr/bin/env bash
# The daemon trusts nothing the socket says and keeps serving: garbage,
# oversized frames, clients that vanish or stall, forged paths, clients of
# users it does not serve, and an unsafe socket path.
source "$(dirname "$0")/lib.sh"

raw() { python3 "$(dirname "$0")/raw_client.py" "$SOCK" "$@"; }
Z40=0000000000000000000000000000000000000000

start_daemon --request-timeout 2
server=$(new_server app)
work=$(new_clone "$server" work)
commit_file "$work" a.txt "hello
"

OUT=$(raw 'x:74686973206973206e6f7420706b742d6c696e650a')
expect_output "garbage gets a protocol error" "malformed pkt-line header"
expect_output "garbage gets a reject verdict" "verdict reject"

OUT=$(raw 'r:4*f' 'r:70000*x')
expect_output "an oversized frame is refused with a reason" "exceeds the limit"

OUT=$(raw 'p:version 9' f)
expect_output "a wrong protocol version is refused" "unsupported protocol version"

OUT=$(raw 'p:version 1' "p:update $Z40 1111111111111111111111111111111111111111 refs/heads/x")
expect_output "out-of-order frames are refused" "'update' before the end of the header"

OUT=$(raw 'p:version 1' 'p:command pre-receive' "p:repo $server" 'p:env HTTP_AUTHORIZATION=Basic c2VjcmV0' f)
expect_output "environment outside the whitelist is refused" "is not accepted"

OUT=$(raw 'p:version 1' 'p:command pre-receive' "p:repo $T" f f)
expect_output "a repo path that is not a git directory is rejected" "is not a git directory"

OUT=$(raw 'p:version 1' 'p:command pre-receive' "p:repo $server" 'p:env GIT_QUARANTINE_PATH=/etc' f f)
expect_output "a quarantine outside the repository is rejected" "is not a git quarantine directory"

# A client that disconnects mid-request, and one that stalls, do not hurt others.
raw --timeout 0.1 'p:version 1' 'p:command pre-receive' >/dev/null
python3 -c "
import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect('$SOCK'); s.sendall(b'000')
time.sleep(60)" &
staller=$!
sleep 0.2
push "$work" origin HEAD:main
expect_accepted "pushes are served while another client stalls"
OUT=$(raw --timeout 4 'p:version 1' 'p:command pre-receive')
expect_output "a client that sends half a request hits the deadline" "deadline passed"
kill "$staller" 2>/dev/null || true
if kill -0 "$DAEMON_PID"; then pass "the daemon survived every bad client"; else fail "the daemon died"; fi
OUT=$("$BIN/refguard" status --socket "$SOCK" --json)
expect_output "status still answers and counts protocol errors" '"protocol_errors"'

mode=$(stat -c %a "$SOCK")
[ "$mode" = 660 ] && pass "the socket is created 0660" || fail "socket mode is $mode, not 660"

# A second daemon on the same socket, and a socket path that is a regular file.
OUT=$("$BIN/refguardd" --socket "$SOCK" 2>&1 || true)
expect_output "a second daemon refuses a live socket" "already serving"
touch "$T/not-a-socket"
OUT=$("$BIN/refguardd" --socket "$T/not-a-socket" 2>&1 || true)
expect_output "the daemon refuses a path that is not a socket" "is not a socket"
[ -f "$T/not-a-socket" ] && pass "the regular file was left alone" || fail "the regular file was removed"
stop_daemon
[ ! -e "$SOCK" ] && pass "the socket is removed on SIGTERM" || fail "the socket was left behind"

# Repository roots: a repository outside them, or escaping through a symlink, is refused.
mkdir -p "$T/root"
inside=$(cd "$T/root" && git init -q --bare served.git && echo "$T/root/served.git")
"$BIN/refguard" install --socket "$SOCK" "$inside" >/dev/null
ln -s "$server" "$T/root/escape.git"
start_daemon --root "$T/root"
git -C "$server" config refguard.failMode reject
inside_work=$(new_clone "$inside" inside-work)
commit_file "$inside_work" a.txt "a
"
push "$inside_work" origin HEAD:main
expect_accepted "a repository under --root is served"
commit_file "$work" b.txt "b
"
push "$work" origin HEAD:main
expect_rejected "a repository outside --root is refused"
expect_output "the refusal says why" "outside the roots"
git -C "$work" remote add escape "$T/root/escape.git"
push "$work" escape HEAD:main
expect_rejected "a symlink escaping --root is refused"
stop_daemon

# Peer credentials: a client of a user the daemon does not serve is refused.
start_daemon --allow-user root
chmod 755 "$T"
chmod 666 "$SOCK"
OUT=$(runuser -u nobody -- "$BIN/refguard" status --socket "$SOCK" 2>&1 || true)
expect_output "a client of a refused uid is turned away" "is not allowed to use this daemon"
OUT=$("$BIN/refguard" status --socket "$SOCK" --json 2>&1)
expect_output "an allowed uid is served" '"pushes_checked"'

finish
