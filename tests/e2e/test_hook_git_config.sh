#!/usr/bin/env bash
# Issue 14: the hook reads its refguard.* settings as git does, from every
# source git reads for receive-pack: include.path, includeIf "gitdir:",
# $XDG_CONFIG_HOME/git/config and ~/.config/git/config, GIT_CONFIG_GLOBAL,
# GIT_CONFIG_SYSTEM (not under GIT_CONFIG_NOSYSTEM), `git -c` and
# GIT_CONFIG_COUNT given to receive-pack; the last value wins. For each source
# two real pushes: refguard.socket from it reaches the running daemon (else the
# hook would find no daemon at the default socket and say "gave no verdict"),
# and refguard.failMode=reject from it, with the daemon unreachable, rejects
# a clean push (else the default, inline, would accept it).
source "$(dirname "$0")/lib.sh"

start_daemon
new_app

# `refguard install` wrote refguard.socket into the repository's config: each
# case below decides where the settings come from.
git -C "$server" config --unset-all refguard.socket
DEAD_SOCK="$T/no-daemon-here.sock"
SOURCE_FILE=""           # the config file the current case writes its [refguard] lines to
PUSH_ENV=()              # `env` arguments for the push (and so for receive-pack and the hook)
PUSH_ARGS=()             # extra `git push` arguments
commits=0

# push_clean: a new clean commit, pushed with $PUSH_ENV and $PUSH_ARGS; output in $OUT, code in $RC.
push_clean() {
  commits=$((commits + 1))
  commit_file "$work" "notes/$commits.txt" "note $commits
"
  set +e
  OUT=$(env "${PUSH_ENV[@]}" git -C "$work" push "${PUSH_ARGS[@]}" origin HEAD:main 2>&1)
  RC=$?
  set -e
  [ "$RC" -eq 0 ] || git -C "$work" reset -q --hard HEAD~1
}

# write_source LINES: the current case's config file holds [refguard] LINES only.
write_source() {
  mkdir -p "$(dirname "$SOURCE_FILE")"
  printf '[refguard]\n%s\n' "$1" >"$SOURCE_FILE"
}

expect_daemon_answers() {  # expect_daemon_answers WHAT: accepted, and by the daemon, not a fail mode
  if [ "$RC" -eq 0 ] && ! grep -qF "daemon gave no verdict" <<<"$OUT"; then pass "$1: the daemon there checks the push"; else
    fail "$1: expected the daemon's acceptance, got rc=$RC"
    printf '%s\n' "$OUT" >&2
  fi
}
expect_fail_mode_reject() {  # expect_fail_mode_reject WHAT
  expect_rejected "$1"
  expect_output "$1: the hook says why" "refguard.failMode=reject: push rejected"
}

# follows WHAT: refguard.socket and refguard.failMode written to $SOURCE_FILE
# are what the hook uses (the repository's config sets neither).
follows() {
  write_source "	socket = $SOCK"
  push_clean
  expect_daemon_answers "refguard.socket via $1"
  write_source "	socket = $DEAD_SOCK
	failMode = reject"
  push_clean
  expect_fail_mode_reject "refguard.failMode=reject via $1, daemon unreachable"
  rm -f "$SOURCE_FILE"
}

# include.path in the repository's config.
SOURCE_FILE="$T/include/refguard.inc"
git -C "$server" config include.path "$SOURCE_FILE"
follows "include.path in the repository's config"
git -C "$server" config --unset include.path

# includeIf "gitdir:" in a GIT_CONFIG_GLOBAL file; a condition naming another repository is not followed.
global="$T/global.gitconfig"
SOURCE_FILE="$T/include/this-repo.inc"
printf '[includeIf "gitdir:%s/"]\n\tpath = %s\n[includeIf "gitdir:%s/"]\n\tpath = %s\n' \
  "$server" "$SOURCE_FILE" "$T/other.git" "$T/include/other-repo.inc" >"$global"
PUSH_ENV=(GIT_CONFIG_GLOBAL="$global")
follows "includeIf \"gitdir:\" in GIT_CONFIG_GLOBAL"
# (A guard for the new reader, as are the GIT_CONFIG_NOSYSTEM and GIT_CONFIG
# cases below: the hand parser it replaced read fewer files, never more.)
printf '[refguard]\n\tfailMode = reject\n' >"$T/include/other-repo.inc"
git -C "$server" config refguard.socket "$DEAD_SOCK"
push_clean
expect_accepted "an includeIf \"gitdir:\" for another repository is not followed"
expect_output "so the default fail mode, inline, checks the push" "refguard.failMode=inline: checking in-process"
git -C "$server" config --unset refguard.socket

# $XDG_CONFIG_HOME/git/config, and ~/.config/git/config when XDG_CONFIG_HOME is unset.
SOURCE_FILE="$T/xdg/git/config"
PUSH_ENV=(XDG_CONFIG_HOME="$T/xdg")
follows "\$XDG_CONFIG_HOME/git/config"
SOURCE_FILE="$HOME/.config/git/config"
PUSH_ENV=(-u XDG_CONFIG_HOME)
follows "~/.config/git/config"

# GIT_CONFIG_SYSTEM (lib.sh sets GIT_CONFIG_NOSYSTEM for every test: unset it here).
SOURCE_FILE="$T/system.gitconfig"
PUSH_ENV=(-u GIT_CONFIG_NOSYSTEM GIT_CONFIG_SYSTEM="$SOURCE_FILE")
follows "GIT_CONFIG_SYSTEM"
# ... and not under GIT_CONFIG_NOSYSTEM, as git does not.
write_source "	socket = $DEAD_SOCK
	failMode = reject"
PUSH_ENV=(GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_SYSTEM="$SOURCE_FILE")
push_clean
if [ "$RC" -eq 0 ] && grep -qF "refguard.failMode=inline: checking in-process" <<<"$OUT"; then
  pass "GIT_CONFIG_NOSYSTEM: the system file's socket and failMode=reject are not followed (inline check)"
else fail "GIT_CONFIG_NOSYSTEM: expected the default inline check, got rc=$RC"; printf '%s\n' "$OUT" >&2; fi
rm -f "$SOURCE_FILE"
PUSH_ENV=()

# `git -c` given to receive-pack (GIT_CONFIG_PARAMETERS in the hook's environment).
PUSH_ARGS=(--receive-pack="git -c refguard.socket=$SOCK receive-pack")
push_clean
expect_daemon_answers "refguard.socket via git -c on receive-pack"
PUSH_ARGS=(--receive-pack="git -c refguard.socket=$DEAD_SOCK -c refguard.failMode=reject receive-pack")
push_clean
expect_fail_mode_reject "refguard.failMode=reject via git -c on receive-pack, daemon unreachable"

# GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n given to receive-pack.
PUSH_ARGS=(--receive-pack="env GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=refguard.socket GIT_CONFIG_VALUE_0=$DEAD_SOCK GIT_CONFIG_KEY_1=refguard.failMode GIT_CONFIG_VALUE_1=reject git receive-pack")
push_clean
expect_fail_mode_reject "refguard.failMode=reject via GIT_CONFIG_COUNT on receive-pack, daemon unreachable"

# The last value wins, as in git: `git -c` over the repository's own value ...
git -C "$server" config refguard.socket "$DEAD_SOCK"
git -C "$server" config refguard.failMode accept
PUSH_ARGS=(--receive-pack="git -c refguard.failMode=reject receive-pack")
push_clean
expect_fail_mode_reject "git -c refguard.failMode=reject wins over the repository's failMode=accept"
PUSH_ARGS=()
# ... and an include placed after the repository's own value over it.
git -C "$server" config refguard.failMode reject
printf '[refguard]\n\tfailMode = accept\n' >"$T/include/late.inc"
printf '[include]\n\tpath = %s\n' "$T/include/late.inc" >>"$server/config"
push_clean
expect_accepted "an include after the repository's failMode=reject wins (accept)"
expect_output "and the hook says it accepted without a check" "refguard.failMode=accept: push accepted WITHOUT a check"
git -C "$server" config --unset include.path

# GIT_CONFIG is read by `git config` alone, not by receive-pack: the hook ignores it too.
printf '[refguard]\n\tfailMode = accept\n' >"$T/git-config-env"
PUSH_ARGS=(--receive-pack="env GIT_CONFIG=$T/git-config-env git receive-pack")
push_clean
expect_fail_mode_reject "GIT_CONFIG in receive-pack's environment is ignored, as receive-pack ignores it"
PUSH_ARGS=()

# Git not on the hook's PATH: the hook says it cannot read its settings and
# checks the push inline with the defaults; it never follows the repository's
# failMode=accept it could not read, nor loses the push.
git -C "$server" config refguard.failMode accept
rm -f "$server/hooks/pre-receive"
printf '#!/bin/sh\nPATH=%s exec %s pre-receive\n' "$T/empty-path" "$BIN/refguard-hook" >"$server/hooks/pre-receive"
chmod +x "$server/hooks/pre-receive"
push_clean
expect_output "without git, the hook says it cannot read its settings" "refguard: config: cannot read the refguard.* settings (cannot run git"
expect_output "without git, the hook names the defaults it uses" "using the defaults: socket /run/refguard/$(id -un).sock, failMode=inline"
if [ "$RC" -eq 0 ] && grep -qF "refguard.failMode=inline: checking in-process" <<<"$OUT"; then
  pass "without git, the default inline mode checks a clean push and accepts it"
else fail "without git, expected the inline check to accept, got rc=$RC"; printf '%s\n' "$OUT" >&2; fi
commit_file "$work" key.py "KEY = \"$(fake_openai_key)\"
" "a key while git is missing"
push "$work" origin HEAD:main
expect_rejected "without git, a push adding a key is still rejected (inline check)"
expect_output "the inline check names the finding" "key.py:1"

finish
