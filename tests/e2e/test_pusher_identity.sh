#!/usr/bin/env bash
# Issue 15, item 14: the pusher's name comes only from the variable the
# server's forge sets, chosen per layout by `refguard install`
# (refguard.pusherFrom): REMOTE_USER for plain repositories (SSH forced
# commands, HTTP basic auth), GITEA_PUSHER_NAME for Gitea, GL_USERNAME/GL_ID
# for GitLab, GL_USER for gitolite. A variable the forge does not set cannot
# claim a name, nor that name's bypass rights; the audit record says which
# variable supplied the name; the inline check (daemon down) does the same.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["mallory"]
TOML
start_daemon --config "$T/policy.toml" --audit-log "$T/audit.jsonl"
unset REMOTE_USER GL_USER GL_USERNAME GL_ID GITEA_PUSHER_NAME

# audit_last FIELD: FIELD of the last audit record.
audit_last() { tail -n 1 "$T/audit.jsonl" | python3 -c "import json, sys; print(json.load(sys.stdin).get('$1', ''))"; }

# --- plain repositories: REMOTE_USER only ----------------------------------------
server=$(new_server plain)
[ "$(git -C "$server" config refguard.pusherFrom)" = REMOTE_USER ] &&
  pass "install names REMOTE_USER for plain repositories" || fail "pusherFrom: $(git -C "$server" config refguard.pusherFrom)"
work=$(new_clone "$server" plain-work)
commit_file "$work" README.md "# plain
" "initial"
REMOTE_USER=alice push "$work" origin HEAD:main
expect_accepted "plain: initial push"
key_commit() {
  commit_file "$1" "bot-$RANDOM.py" "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "Add bot"
}
key_commit "$work"
GL_USER=mallory push "$work" -o "refguard.bypass=urgent" origin HEAD:main
expect_rejected "plain: GL_USER (which no plain server sets) does not make the pusher mallory"
expect_no_output "plain: no bypass announced for a claimed name" "BYPASS by mallory"
GL_USER=mallory REMOTE_USER=alice push "$work" origin HEAD:main
[ "$(audit_last pusher)" = alice ] && [ "$(audit_last pusher_source)" = REMOTE_USER ] &&
  pass "plain: the audit names alice and REMOTE_USER" || fail "plain audit: $(tail -n 1 "$T/audit.jsonl")"
REMOTE_USER=mallory push "$work" -o "refguard.bypass=urgent" origin HEAD:main
expect_accepted "plain: REMOTE_USER=mallory bypasses (the server vouches for it)"
expect_output "plain: the bypass names mallory" "BYPASS by mallory"

# --- Gitea: GITEA_PUSHER_NAME only ----------------------------------------------
git init -q --bare "$T/gitea.git"
# Gitea's own hooks run every file in NAME.d with the same input (a minimal runner).
for hook in pre-receive post-receive; do
  mkdir "$T/gitea.git/hooks/$hook.d"
  printf '#!/bin/sh\ninput=$(cat)\nfor h in "$GIT_DIR/hooks/%s.d/"*; do printf "%%s\\n" "$input" | "$h" || exit 1; done\n' \
    "$hook" >"$T/gitea.git/hooks/$hook"
  chmod 0755 "$T/gitea.git/hooks/$hook"
done
"$BIN/refguard" install --gitea --socket "$SOCK" "$T/gitea.git" >/dev/null
[ "$(git -C "$T/gitea.git" config refguard.pusherFrom)" = GITEA_PUSHER_NAME ] &&
  pass "install names GITEA_PUSHER_NAME for Gitea" || fail "gitea pusherFrom: $(git -C "$T/gitea.git" config refguard.pusherFrom)"
gwork=$(new_clone "$T/gitea.git" gitea-work)
commit_file "$gwork" README.md "# gitea
" "initial"
GITEA_PUSHER_NAME=bob push "$gwork" origin HEAD:main
expect_accepted "gitea: initial push"
key_commit "$gwork"
REMOTE_USER=mallory GITEA_PUSHER_NAME=bob push "$gwork" -o "refguard.bypass=urgent" origin HEAD:main
expect_rejected "gitea: REMOTE_USER=mallory does not outrank Gitea's own pusher"
[ "$(audit_last pusher)" = bob ] && [ "$(audit_last pusher_source)" = GITEA_PUSHER_NAME ] &&
  pass "gitea: the audit names bob and GITEA_PUSHER_NAME" || fail "gitea audit: $(tail -n 1 "$T/audit.jsonl")"

# --- an override, and a bad one ---------------------------------------------------
git init -q --bare "$T/custom.git"
"$BIN/refguard" install --socket "$SOCK" --pusher-from GL_USERNAME,GL_ID "$T/custom.git" >/dev/null
[ "$(git -C "$T/custom.git" config refguard.pusherFrom)" = GL_USERNAME,GL_ID ] &&
  pass "install --pusher-from sets the list" || fail "--pusher-from: $(git -C "$T/custom.git" config refguard.pusherFrom)"
set +e
OUT=$("$BIN/refguard" install --socket "$SOCK" --pusher-from HTTP_AUTHORIZATION "$T/custom.git" 2>&1)
RC=$?
set -e
[ "$RC" -eq 2 ] && grep -q "HTTP_AUTHORIZATION" <<<"$OUT" && pass "install refuses a variable that is not a pusher variable" ||
  fail "bad --pusher-from: rc=$RC $OUT"

# --- the inline check (daemon down) reads the same setting ------------------------
stop_daemon
git -C "$server" config refguard.auditLog "$T/audit.jsonl"
git -C "$server" config refguard.config "$T/policy.toml"
key_commit "$work"
GL_USER=mallory push "$work" -o "refguard.bypass=urgent" origin HEAD:main
expect_rejected "inline: GL_USER does not name the pusher of a plain repository either"
expect_output "inline: the check ran in-process" "checking in-process"
expect_no_output "inline: no bypass for a claimed name" "BYPASS by mallory"

finish
