#!/usr/bin/env bash
# Issue 7: `refguard install` / `refguard uninstall` on every server layout:
# plain bare repositories (one by one and --all ROOT), core.hooksPath,
# Gitea's hooks/NAME.d, GitLab's custom_hooks (per repository and server-wide).
# An existing hook keeps running beside refguard's, and uninstall restores
# the hooks directory exactly (names, types, modes, link targets, bytes).
source "$(dirname "$0")/lib.sh"

RG="$BIN/refguard"

# snapshot DIR: every entry's path, type, mode and link target, and every file's hash.
snapshot() {
  (cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
expect_same_tree() {  # expect_same_tree WHAT BEFORE-FILE DIR
  if diff <(cat "$2") <(snapshot "$3") >"$T/tree.diff"; then pass "$1"; else
    fail "$1"
    cat "$T/tree.diff" >&2
  fi
}
expect_config() {  # expect_config WHAT REPO KEY VALUE ("" = unset)
  local got
  got=$(git --git-dir="$2" config --get "$3" || true)
  if [ "$got" = "$4" ]; then pass "$1"; else fail "$1: $3 is '$got', expected '$4'"; fi
}
expect_log() {  # expect_log WHAT FIXED-STRING
  if grep -qF -- "$2" "$T/daemon.log"; then pass "$1"; else fail "$1: daemon log lacks '$2'"; fi
}
# key_commit DIR: commits an AI script holding a fresh fake OpenAI key (not pushed).
key_commit() {
  commit_file "$1" "bot-$RANDOM.py" "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "Add bot"
}
# A foreign hook that records that it ran (and what it read), then exits with $2.
foreign_hook() {  # foreign_hook PATH EXIT-CODE MARKER
  printf '#!/bin/sh\n# the site'"'"'s own hook\ncat >>"%s"\necho ran >>"%s"\nexit %s\n' "$3.stdin" "$3" "$2" >"$1"
  chmod 0750 "$1"
}

start_daemon

# --- plain bare repository with a foreign pre-receive: chained, then restored ------------
server=$(git init -q --bare "$T/plain.git" && echo "$T/plain.git")
foreign_hook "$server/hooks/pre-receive" 0 "$T/plain.marker"
snapshot "$server/hooks" >"$T/plain.before"
"$RG" install --socket "$SOCK" "$server" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "install into a plain repository"; }
expect_config "install sets refguard.socket" "$server" refguard.socket "$SOCK"
expect_config "install sets receive.advertisePushOptions" "$server" receive.advertisePushOptions true
if grep -q "refguard-chain" "$server/hooks/pre-receive" && [ -x "$server/hooks/refguard-chained/pre-receive" ]; then
  pass "a foreign pre-receive is chained, not replaced"
else fail "a foreign pre-receive is chained, not replaced"; fi
work=$(new_clone "$server" plain-work)
commit_file "$work" README.md "# plain
" "initial"
push "$work" origin HEAD:main
expect_accepted "plain: a clean push passes both hooks"
if [ "$(grep -c ran "$T/plain.marker" 2>/dev/null)" = 1 ] && grep -q "refs/heads/main" "$T/plain.marker.stdin"; then
  pass "the chained hook ran with git's input"
else fail "the chained hook ran with git's input"; fi
key_commit "$work"
push "$work" origin HEAD:main
expect_rejected "plain: a push with a key is rejected through the chain"
expect_output "plain: the reasons reach the pusher" "remote: refguard: BLOCKED [openai-api-key]"
foreign_hook "$server/hooks/refguard-chained/pre-receive" 1 "$T/plain.marker"
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" notes.txt "clean
" "notes"
push "$work" origin HEAD:main
expect_rejected "plain: the chained hook's rejection still rejects a clean push"
foreign_hook "$server/hooks/refguard-chained/pre-receive" 0 "$T/plain.marker"
"$RG" install --socket "$SOCK" "$server" >/dev/null 2>&1 && pass "install again is harmless" || fail "install again"
"$RG" uninstall "$server" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "uninstall a plain repository"; }
expect_same_tree "plain: uninstall restores the hooks exactly" "$T/plain.before" "$server/hooks"
expect_config "uninstall removes refguard.socket" "$server" refguard.socket ""
expect_config "uninstall restores receive.advertisePushOptions (unset)" "$server" receive.advertisePushOptions ""

# --- --force replaces (keeps) the foreign hook; options still land in the config ----------
ln -s ../../elsewhere/pre-receive "$server/hooks/post-receive"  # a relative symlink, dangling
snapshot "$server/hooks" >"$T/force.before"
"$RG" install --socket "$SOCK" --force --fail-mode reject --config "$SRC/config/policy.toml" "$server" >/dev/null
if [ -L "$server/hooks/pre-receive" ] && [ -e "$server/hooks/refguard-chained/pre-receive" ]; then
  pass "--force replaces the foreign hook and keeps it aside"
else fail "--force replaces the foreign hook and keeps it aside"; fi
expect_config "--fail-mode lands in the config" "$server" refguard.failMode reject
expect_config "--config lands in the config" "$server" refguard.config "$(realpath "$SRC/config/policy.toml")"
"$RG" uninstall "$server" >/dev/null
expect_same_tree "--force: uninstall restores both hooks, relative symlink included" "$T/force.before" "$server/hooks"

# --- --all ROOT: every bare repository below, not work trees ------------------------------
mkdir -p "$T/root/team"
git init -q --bare "$T/root/a.git"
git init -q --bare "$T/root/team/b.git"
git init -q "$T/root/checkout"
"$RG" install --socket "$SOCK" --all "$T/root" >"$T/out" 2>&1
if [ -L "$T/root/a.git/hooks/pre-receive" ] && [ -L "$T/root/team/b.git/hooks/pre-receive" ] &&
  [ ! -e "$T/root/checkout/.git/hooks/pre-receive" ]; then
  pass "--all ROOT installs into every bare repository below ROOT, no work trees"
else
  fail "--all ROOT installs into every bare repository below ROOT"
  cat "$T/out" >&2
fi
work=$(new_clone "$T/root/team/b.git" b-work)
key_commit "$work"
push "$work" origin HEAD:main
expect_rejected "--all: a push with a key into a found repository is rejected"
"$RG" uninstall --all "$T/root" >/dev/null
if [ ! -e "$T/root/a.git/hooks/pre-receive" ] && [ ! -e "$T/root/team/b.git/hooks/post-receive" ]; then
  pass "uninstall --all removes them all"
else fail "uninstall --all removes them all"; fi

# --- --hooks-path DIR: server-wide through core.hooksPath ---------------------------------
mkdir -p "$T/server-hooks"
foreign_hook "$T/server-hooks/pre-receive" 0 "$T/hp.marker"
snapshot "$T/server-hooks" >"$T/hp.before"
"$RG" install --socket "$SOCK" --hooks-path "$T/server-hooks" >"$T/out" 2>&1
expect_output_file() { if grep -qF -- "$2" "$T/out"; then pass "$1"; else fail "$1: output lacks '$2'"; cat "$T/out" >&2; fi; }
expect_output_file "--hooks-path without a config file prints the git config commands" \
  "git config --system core.hooksPath $T/server-hooks"
"$RG" install --socket "$SOCK" --hooks-path "$T/server-hooks" --git-config "$HOME/.gitconfig" >/dev/null
expect_config "--git-config receives core.hooksPath" "$T/plain.git" core.hooksPath "$T/server-hooks"
git init -q --bare "$T/nohooks.git"
work=$(new_clone "$T/nohooks.git" hp-work)
commit_file "$work" a.txt "a
"
push "$work" origin HEAD:main
expect_accepted "--hooks-path: a clean push into any repository passes"
key_commit "$work"
push "$work" origin HEAD:main
expect_rejected "--hooks-path: a push with a key into any repository is rejected"
grep -q ran "$T/hp.marker" && pass "--hooks-path: the directory's own hook still runs" || fail "--hooks-path chain"
"$RG" uninstall --hooks-path "$T/server-hooks" --git-config "$HOME/.gitconfig" >/dev/null
expect_same_tree "--hooks-path: uninstall restores the directory" "$T/hp.before" "$T/server-hooks"
expect_config "--hooks-path: uninstall unsets core.hooksPath" "$T/plain.git" core.hooksPath ""

# --- --gitea: hooks/pre-receive.d/refguard beside Gitea's own hooks ------------------------
gitea=$(git init -q --bare "$T/gitea.git" && echo "$T/gitea.git")
for hook in pre-receive post-receive; do  # what Gitea writes into every repository
  cat >"$gitea/hooks/$hook" <<'SH'
#!/usr/bin/env bash
# AUTO GENERATED BY GITEA, DO NOT MODIFY
data=$(cat)
exitcodes=""
hookname=$(basename $0)
GIT_DIR=${GIT_DIR:-$(dirname $0)/..}

for hook in ${GIT_DIR}/hooks/${hookname}.d/*; do
  test -x "${hook}" && test -f "${hook}" || continue
  echo "${data}" | "${hook}"
  exitcodes="${exitcodes} $?"
done

for i in ${exitcodes}; do
  [ ${i} -eq 0 ] || exit ${i}
done
SH
  mkdir "$gitea/hooks/$hook.d"
  foreign_hook "$gitea/hooks/$hook.d/gitea" 0 "$T/gitea.$hook"
  chmod 0755 "$gitea/hooks/$hook"
done
snapshot "$gitea/hooks" >"$T/gitea.before"
"$RG" install --socket "$SOCK" --gitea "$gitea" >/dev/null
[ -L "$gitea/hooks/pre-receive.d/refguard" ] && pass "--gitea installs pre-receive.d/refguard" || fail "--gitea layout"
work=$(new_clone "$gitea" gitea-work)
commit_file "$work" ok.txt "ok
"
push "$work" origin HEAD:main
expect_accepted "--gitea: a clean push is accepted"
key_commit "$work"
GITEA_PUSHER_NAME=gitea-bob push "$work" origin HEAD:main
expect_rejected "--gitea: a push with a key is rejected"
expect_output "--gitea: the reasons reach the pusher" "remote: refguard: BLOCKED"
grep -q ran "$T/gitea.pre-receive" && pass "--gitea: Gitea's own hook keeps running" || fail "--gitea: Gitea's hook"
expect_log "--gitea: the daemon records the pusher" "pusher=gitea-bob"
"$RG" uninstall --gitea "$gitea" >/dev/null
expect_same_tree "--gitea: uninstall restores Gitea's hooks exactly" "$T/gitea.before" "$gitea/hooks"

# --- --gitlab: custom_hooks/pre-receive.d/refguard, reasons prefixed GL-HOOK-ERR: ----------
# Gitaly runs custom_hooks itself; this stand-in runs them the same way
# (every executable in custom_hooks/NAME.d and the server-wide DIR/NAME.d, in order).
gitlab=$(git init -q --bare "$T/gitlab.git" && echo "$T/gitlab.git")
for hook in pre-receive post-receive; do
  cat >"$gitlab/hooks/$hook" <<SH
#!/bin/sh
data=\$(cat; echo x); data=\${data%x}
for dir in "\$PWD/custom_hooks/$hook.d" "$T/gitlab-server-hooks/$hook.d"; do
  for h in "\$dir"/*; do
    [ -f "\$h" ] && [ -x "\$h" ] || continue
    printf '%s' "\$data" | "\$h" || exit 1
  done
done
SH
  chmod 0755 "$gitlab/hooks/$hook"
done
snapshot "$gitlab/hooks" >"$T/gitlab.before"
"$RG" install --socket "$SOCK" --gitlab "$gitlab" >/dev/null
expect_config "--gitlab sets refguard.glHookErr" "$gitlab" refguard.glHookErr true
work=$(new_clone "$gitlab" gitlab-work)
key_commit "$work"
GL_USERNAME=gl-carol GL_ID=user-7 push "$work" origin HEAD:main
expect_rejected "--gitlab: a push with a key is rejected"
expect_output "--gitlab: lines for the web UI start with GL-HOOK-ERR:" "remote: GL-HOOK-ERR: refguard: BLOCKED"
expect_log "--gitlab: the daemon records the pusher" "pusher=gl-carol"
"$RG" uninstall --gitlab "$gitlab" >/dev/null
expect_same_tree "--gitlab: uninstall leaves the hooks as they were" "$T/gitlab.before" "$gitlab/hooks"
[ ! -e "$gitlab/custom_hooks" ] && pass "--gitlab: uninstall removes the custom_hooks it created" ||
  fail "--gitlab: custom_hooks left behind"

mkdir -p "$T/gitlab-server-hooks"
"$RG" install --socket "$SOCK" --gitlab-server-hooks "$T/gitlab-server-hooks" --git-config "$HOME/.gitconfig" >/dev/null
[ -L "$T/gitlab-server-hooks/pre-receive.d/refguard" ] && pass "--gitlab-server-hooks installs DIR/pre-receive.d/refguard" ||
  fail "--gitlab-server-hooks layout"
GL_USERNAME=gl-dave push "$work" origin HEAD:main
expect_rejected "--gitlab-server-hooks: a push with a key is rejected, settings from --git-config"
expect_output "--gitlab-server-hooks: GL-HOOK-ERR: prefix" "GL-HOOK-ERR: refguard:"
"$RG" uninstall --gitlab-server-hooks "$T/gitlab-server-hooks" --git-config "$HOME/.gitconfig" >/dev/null
if [ -z "$(ls -A "$T/gitlab-server-hooks")" ] && ! git config --global --get refguard.socket >/dev/null; then
  pass "--gitlab-server-hooks: uninstall empties DIR and the shared config"
else fail "--gitlab-server-hooks: uninstall empties DIR and the shared config"; fi

# --- mistakes are refused ------------------------------------------------------------------
set +e
"$RG" install --socket "$SOCK" --gitea --gitlab "$gitea" >/dev/null 2>&1
[ $? -ne 0 ] && pass "two layouts at once are refused" || fail "two layouts at once are refused"
"$RG" install --socket "$SOCK" --gitea "$T/plain.git" >/dev/null 2>&1
[ $? -ne 0 ] && pass "--gitea refuses a repository without Gitea's hooks" || fail "--gitea on a non-Gitea repo"
"$RG" install --socket "$SOCK" "$T/root" >/dev/null 2>&1
[ $? -ne 0 ] && pass "a directory that is no repository is refused" || fail "non-repository refused"
set -e

finish
