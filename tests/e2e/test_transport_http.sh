#!/usr/bin/env bash
# Issue 7: smart HTTP. `git http-backend` behind lighttpd (mod_cgi) with basic
# auth, so the pusher arrives as REMOTE_USER. A push with a key is rejected
# with the reasons shown to the client, a clean push lands, the daemon logs
# the pusher, and the password (which the web server hands every CGI as
# HTTP_AUTHORIZATION) leaves no trace in any request or log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/servers.sh"

USER_NAME=alice
PASSWORD=$(echo "pw-$(rand_alnum 24)")  # (rand_alnum ends in SIGPIPE: not a bare assignment)
AUTH_HEADER=$(printf '%s:%s' "$USER_NAME" "$PASSWORD" | base64 -w0)

start_daemon  # its state (audit log, scan cache) goes to $T/state
start_recording_proxy

# The repository, hooked to the daemon through the recording proxy. Beside
# refguard, a site hook notes whether the web server's credentials were in
# the hook's environment (never their value), proving there was something to leak.
mkdir -p "$T/srv"
git init -q --bare "$T/srv/app.git"
cat >"$T/srv/app.git/hooks/pre-receive" <<EOF
#!/bin/sh
cat >/dev/null
[ -n "\$HTTP_AUTHORIZATION" ] && echo present >"$T/authorization-seen"
exit 0
EOF
chmod 0755 "$T/srv/app.git/hooks/pre-receive"
"$RG" install --socket "$PROXY_SOCK" "$T/srv/app.git" >/dev/null

# lighttpd on a free loopback port: /git/* runs git-http-backend, behind basic auth.
htpasswd -bc "$T/htpasswd" "$USER_NAME" "$PASSWORD" 2>/dev/null
start_git_http

URL="http://127.0.0.1:$HTTP_PORT/git/app.git"
set +e
OUT=$(git ls-remote "$URL" 2>&1)
RC=$?
set -e
[ "$RC" -ne 0 ] && grep -q "401\|Authentication failed\|could not read Username" <<<"$OUT" &&
  pass "without credentials the server refuses" || fail "without credentials the server refuses (rc=$RC: $OUT)"

work="$T/work"
git clone -q "http://$USER_NAME:$PASSWORD@127.0.0.1:$HTTP_PORT/git/app.git" "$work" 2>/dev/null
commit_file "$work" README.md "# served over HTTP
" "initial"
push "$work" origin HEAD:main
expect_accepted "HTTP: a clean push is accepted"
expect_file_has "HTTP: the daemon logs the pusher from REMOTE_USER" "$T/daemon.log" "pusher=$USER_NAME"

key_commit "$work"
push "$work" origin HEAD:main
expect_rejected "HTTP: a push with a key is rejected"
expect_output "HTTP: the reasons reach the client" "remote: refguard: BLOCKED [openai-api-key]"
expect_output "HTTP: the client is told where" ".py:2"
if git -C "$T/srv/app.git" rev-parse -q --verify "$(git -C "$work" rev-parse HEAD)^{commit}" >/dev/null 2>&1; then
  fail "HTTP: the rejected commit must not land"
else pass "HTTP: the rejected commit did not land"; fi

# The credentials: in the hook's environment, and nowhere refguard sends or writes them.
[ -f "$T/authorization-seen" ] && pass "the web server passed HTTP_AUTHORIZATION to the hooks" ||
  fail "the web server passed HTTP_AUTHORIZATION to the hooks (the leak checks below would prove nothing)"
expect_file_has "the hook's request names the pusher" "$T/requests.bin" "pusher REMOTE_USER=$USER_NAME"
# What refguard writes: the daemon's log, its state directory (audit log, scan
# cache), and the repository (git notes): every object, uncompressed.
git -C "$T/srv/app.git" cat-file --batch-all-objects --batch >"$T/objects.txt"
written=("$T/daemon.log" "$T/objects.txt" "$T"/lighttpd-*.log "$T/lighttpd.out")
while IFS= read -r -d '' file; do written+=("$file"); done < <(find "$T/state" "$T/srv" -type f -print0)
for secret in PASSWORD AUTH_HEADER; do
  expect_file_lacks "the hook's requests hold no $secret" "$T/requests.bin" "${!secret}"
  leaks=$(grep -laF -- "${!secret}" "${written[@]}" 2>/dev/null || true)
  [ -z "$leaks" ] && pass "the $secret is in no log, no state file and no object" || fail "the $secret leaked into: $leaks"
done
expect_file_lacks "the hook's requests name no HTTP_AUTHORIZATION" "$T/requests.bin" "HTTP_AUTHORIZATION"
[ -s "$T/state/audit.jsonl" ] && pass "the audit log was written (and checked)" || fail "no audit log in $T/state"

finish
