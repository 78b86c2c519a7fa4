#!/usr/bin/env bash
# Issue 7: git over SSH. A private sshd on a free loopback port, its own host
# key and a throwaway user key whose authorized_keys line names the person
# (REMOTE_USER) and allows git only (git-shell). A push with a key is
# rejected with the reasons shown to the client, a clean push lands, and the
# daemon logs the pusher.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/servers.sh"

start_daemon
start_recording_proxy

mkdir -p "$T/srv" "$T/ssh"
git init -q --bare "$T/srv/app.git"
"$RG" install --socket "$PROXY_SOCK" "$T/srv/app.git" >/dev/null

# One key per person; the forced command says who it is and runs git only.
new_user_key bob
printf 'command="REMOTE_USER=bob exec git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty %s\n' \
  "$(cat "$T/ssh/bob.pub")" >"$T/ssh/authorized_keys"
start_sshd "$T/ssh/authorized_keys"
export GIT_SSH_COMMAND
GIT_SSH_COMMAND=$(ssh_command bob)
URL="ssh://$(id -un)@127.0.0.1:$SSH_PORT$T/srv/app.git"

set +e
OUT=$($GIT_SSH_COMMAND "$(id -un)@127.0.0.1" id 2>&1)
RC=$?
set -e
[ "$RC" -ne 0 ] && pass "the key runs git only, not a shell" || fail "the key must not run a shell: $OUT"

work="$T/work"
if git clone -q "$URL" "$work" 2>"$T/clone.err"; then pass "SSH: clone"; else
  fail "SSH: clone"
  cat "$T/clone.err" "$T/sshd.log" >&2
  finish
fi
commit_file "$work" README.md "# served over SSH
" "initial"
push "$work" origin HEAD:main
expect_accepted "SSH: a clean push is accepted"
expect_file_has "SSH: the daemon logs the pusher" "$T/daemon.log" "pusher=bob"

key_commit "$work"
push "$work" origin HEAD:main
expect_rejected "SSH: a push with a key is rejected"
expect_output "SSH: the reasons reach the client" "remote: refguard: BLOCKED [openai-api-key]"
expect_output "SSH: the client is told what to do" "remote: refguard: To push again"
if git -C "$T/srv/app.git" rev-parse -q --verify "$(git -C "$work" rev-parse HEAD)^{commit}" >/dev/null 2>&1; then
  fail "SSH: the rejected commit must not land"
else pass "SSH: the rejected commit did not land"; fi

# Push options travel over SSH too (install advertises them).
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" notes.txt "notes
" "notes"
push "$work" -o ci.skip origin HEAD:main
expect_accepted "SSH: a push with a push option is accepted"
expect_file_has "SSH: push options reach the daemon" "$T/requests.bin" "push-option ci.skip"
expect_file_has "the request names the pusher" "$T/requests.bin" "pusher REMOTE_USER=bob"
expect_file_lacks "the request carries no SSH variables" "$T/requests.bin" "SSH_CONNECTION"

finish
