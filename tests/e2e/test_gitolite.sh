#!/usr/bin/env bash
# Issue 7: gitolite3 (the Debian package) over a private sshd, with refguard
# installed as gitolite documents custom hooks: in its common hooks directory,
# then `gitolite setup --hooks-only`. Gitolite's own access checks keep
# running; GL_USER names the pusher; uninstall leaves gitolite as it was.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/servers.sh"

start_daemon
mkdir -p "$T/ssh"
GLHOME="$T/gitolite"  # the hosting user's home: ~/.gitolite.rc, ~/.gitolite, ~/repositories
mkdir -p "$GLHOME"
new_user_key admin
new_user_key alice
new_user_key eve
as_gitolite() { HOME="$GLHOME" "$@"; }

as_gitolite gitolite setup -pk "$T/ssh/admin.pub" >"$T/gitolite-setup.log" 2>&1
# A hook the site already had in gitolite's common hooks: refguard chains with it.
COMMON="$GLHOME/.gitolite/hooks/common"
printf '#!/bin/sh\necho "$GL_USER" >>"%s"\n' "$T/site-hook.ran" >"$COMMON/post-receive"
chmod 0700 "$COMMON/post-receive"
as_gitolite gitolite setup --hooks-only >/dev/null 2>&1
snapshot() { (cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }
snapshot "$GLHOME/.gitolite/hooks" >"$T/hooks.before"

# refguard, installed by the hosting user.
as_gitolite "$RG" install --gitolite --socket "$SOCK" >"$T/install.out" 2>&1 || { cat "$T/install.out" >&2; fail "install --gitolite"; }
[ -L "$COMMON/pre-receive" ] && pass "--gitolite installs into ~/.gitolite/hooks/common" || fail "--gitolite layout"
[ "$(as_gitolite git config --global refguard.socket)" = "$SOCK" ] &&
  pass "--gitolite puts the settings in the hosting user's ~/.gitconfig" || fail "--gitolite settings"
[ "$(readlink "$GLHOME/repositories/testing.git/hooks/pre-receive")" = "$COMMON/pre-receive" ] &&
  pass "gitolite links the common hook into existing repositories" || fail "gitolite propagation"

# sshd: gitolite writes ~/.ssh/authorized_keys (command="gitolite-shell NAME"); the
# hosting user's HOME is the temporary one.
start_sshd "$GLHOME/.ssh/authorized_keys" "SetEnv HOME=$GLHOME"
LOGIN="$(id -un)@127.0.0.1:$SSH_PORT"

# The admin creates a repository for alice through the gitolite-admin repository.
export GIT_SSH_COMMAND
GIT_SSH_COMMAND=$(ssh_command admin)
git clone -q "ssh://$LOGIN/gitolite-admin" "$T/admin" 2>"$T/clone.err" || { cat "$T/clone.err" "$T/sshd.log" >&2; fail "clone gitolite-admin"; finish; }
cp "$T/ssh/alice.pub" "$T/ssh/eve.pub" "$T/admin/keydir/"
cat >>"$T/admin/conf/gitolite.conf" <<'EOF'

repo app
    RW+     =   alice
    R       =   eve
EOF
git -C "$T/admin" add -A
git -C "$T/admin" commit -q -m "app for alice"
push "$T/admin" origin HEAD:master
expect_accepted "gitolite: the admin's push passes refguard and gitolite"
[ -L "$GLHOME/repositories/app.git/hooks/pre-receive" ] && pass "a new gitolite repository gets refguard's hook" ||
  fail "a new gitolite repository gets refguard's hook"

GIT_SSH_COMMAND=$(ssh_command alice)
git clone -q "ssh://$LOGIN/app" "$T/work" 2>/dev/null
commit_file "$T/work" README.md "# app
" "initial"
push "$T/work" origin HEAD:main
expect_accepted "gitolite: a clean push is accepted"
expect_file_has "gitolite: the daemon logs GL_USER as the pusher" "$T/daemon.log" "pusher=alice"
expect_file_has "gitolite: the site's own common hook still runs" "$T/site-hook.ran" "alice"

key_commit "$T/work"
push "$T/work" origin HEAD:main
expect_rejected "gitolite: a push with a key is rejected"
expect_output "gitolite: the reasons reach the client" "remote: refguard: BLOCKED [openai-api-key]"

# Gitolite's access rules still apply: eve may read, not write.
git -C "$T/work" reset -q --hard HEAD~1
commit_file "$T/work" notes.txt "notes
" "notes"
GIT_SSH_COMMAND=$(ssh_command eve) push "$T/work" origin HEAD:main
if [ "$RC" -ne 0 ] && grep -q "DENIED" <<<"$OUT"; then pass "gitolite's own access check still rejects eve"; else
  fail "gitolite's access check: rc=$RC"
  printf '%s\n' "$OUT" >&2
fi

# Uninstall: gitolite's hooks directory as it was, no refguard link left in any repository.
as_gitolite "$RG" uninstall --gitolite >"$T/uninstall.out" 2>&1 || { cat "$T/uninstall.out" >&2; fail "uninstall --gitolite"; }
if diff "$T/hooks.before" <(snapshot "$GLHOME/.gitolite/hooks") >&2; then
  pass "uninstall --gitolite restores gitolite's hooks exactly"
else fail "uninstall --gitolite restores gitolite's hooks exactly"; fi
left=$(find "$GLHOME/repositories" -path '*/hooks/pre-receive' -o -path '*/hooks/refguard-chained' 2>/dev/null)
[ -z "$left" ] && pass "no repository keeps a link to refguard's files" || fail "left behind: $left"
[ -L "$GLHOME/repositories/app.git/hooks/post-receive" ] && [ -L "$GLHOME/repositories/app.git/hooks/update" ] &&
  pass "the site's hook and gitolite's update hook stay linked" || fail "gitolite's own links"
[ -z "$(as_gitolite git config --global --get refguard.socket)" ] && pass "uninstall removes the settings" ||
  fail "uninstall removes the settings"

# With LOCAL_CODE set in the rc, custom hooks belong in $LOCAL_CODE/hooks/common.
sed -i 's|^\( *\)# LOCAL_CODE *=> *"$rc{GL_ADMIN_BASE}/local",|\1LOCAL_CODE => "$rc{GL_ADMIN_BASE}/local",|' "$GLHOME/.gitolite.rc"
as_gitolite "$RG" install --gitolite --socket "$SOCK" >/dev/null 2>&1 || fail "install --gitolite with LOCAL_CODE"
[ -L "$GLHOME/.gitolite/local/hooks/common/pre-receive" ] && pass "--gitolite honours LOCAL_CODE" ||
  fail "--gitolite honours LOCAL_CODE"
push "$T/work" origin HEAD:main
expect_accepted "gitolite (LOCAL_CODE): a clean push is accepted"
key_commit "$T/work"
push "$T/work" origin HEAD:main
expect_rejected "gitolite (LOCAL_CODE): a push with a key is rejected"
as_gitolite "$RG" uninstall --gitolite >/dev/null 2>&1 || fail "uninstall --gitolite with LOCAL_CODE"
[ ! -e "$GLHOME/.gitolite/local/hooks/common/pre-receive" ] && pass "uninstall with LOCAL_CODE" || fail "uninstall with LOCAL_CODE"

# Gitolite's other documented way, repo-specific hooks, by hand: gitolite links
# the hook as hooks/pre-receive.h00-refguard, a name refguard-hook understands.
sed -i "s|^\( *\)# 'repo-specific-hooks',|\1'repo-specific-hooks',|" "$GLHOME/.gitolite.rc"
mkdir -p "$GLHOME/.gitolite/local/hooks/repo-specific"
ln -s "$BIN/refguard-hook" "$GLHOME/.gitolite/local/hooks/repo-specific/refguard"
as_gitolite git config --global refguard.socket "$SOCK"
printf '\nrepo app\n    option hook.pre-receive = refguard\n' >>"$T/admin/conf/gitolite.conf"
git -C "$T/admin" commit -qam "refguard as a repo-specific hook"
GIT_SSH_COMMAND=$(ssh_command admin) push "$T/admin" origin HEAD:master
expect_accepted "gitolite: the admin enables refguard as a repo-specific hook"
[ -L "$GLHOME/repositories/app.git/hooks/pre-receive.h00-refguard" ] && pass "gitolite links pre-receive.h00-refguard" ||
  fail "gitolite links pre-receive.h00-refguard"
push "$T/work" origin HEAD:main
expect_rejected "gitolite (repo-specific hook): a push with a key is rejected"
expect_output "gitolite (repo-specific hook): the reasons reach the client" "remote: refguard: BLOCKED [openai-api-key]"

finish
