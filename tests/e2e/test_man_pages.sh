#!/usr/bin/env bash
# Issue 17: the man pages and the bash completion cover every command and
# option the programs accept (read from their own --help), and the man pages
# render without warnings.
source "$(dirname "$0")/lib.sh"

MAN="$SRC/packaging/man"
COMPLETION="$SRC/packaging/bash-completion"

# options HELP-TEXT: the long options a --help lists, one per line.
options() { grep -oE -- '--[a-z][a-z0-9-]+' <<<"$1" | sort -u; }
# in_man PAGE OPTION: the page names it (roff writes - as \-).
in_man() { grep -qF -- "$(sed 's/-/\\-/g' <<<"$2")" "$1"; }

check_program() {  # check_program PAGE COMPLETION HELP-TEXT WHAT
  local missing_man=() missing_completion=()
  for option in $(options "$3"); do
    in_man "$1" "$option" || missing_man+=("$option")
    grep -qF -- "$option" "$2" || missing_completion+=("$option")
  done
  [ ${#missing_man[@]} -eq 0 ] && pass "$(basename "$1") documents every option of $4" ||
    fail "$(basename "$1") lacks $4's ${missing_man[*]}"
  [ ${#missing_completion[@]} -eq 0 ] && pass "bash completion offers every option of $4" ||
    fail "bash completion lacks $4's ${missing_completion[*]}"
}

commands=$("$BIN/refguard" --help | awk 'tolower($0) ~ /^subcommands:/ { on = 1; next } on && NF { print $1 }')
[ -n "$commands" ] && pass "refguard --help lists its commands" || fail "no commands in refguard --help"
for command in $commands; do
  grep -qE "^\.B refguard $command\b|^\.BI? \"?policy $command" "$MAN/refguard.1" || grep -qF "refguard $command" "$MAN/refguard.1" &&
    pass "refguard.1 covers 'refguard $command'" || fail "refguard.1 lacks 'refguard $command'"
  grep -qw -- "$command" "$COMPLETION/refguard" && pass "completion offers '$command'" || fail "completion lacks '$command'"
  check_program "$MAN/refguard.1" "$COMPLETION/refguard" "$("$BIN/refguard" "$command" --help)" "refguard $command"
done
for sub in check show; do
  check_program "$MAN/refguard.1" "$COMPLETION/refguard" "$("$BIN/refguard" policy "$sub" --help)" "refguard policy $sub"
done
check_program "$MAN/refguard.1" "$COMPLETION/refguard" "$("$BIN/refguard" --help)" "refguard"
check_program "$MAN/refguardd.8" "$COMPLETION/refguardd" "$("$BIN/refguardd" --help)" "refguardd"
in_man "$MAN/refguard-hook.1" "--version" && pass "refguard-hook.1 documents --version" || fail "refguard-hook.1 lacks --version"
grep -q "2 on a$" "$MAN/refguard.1" && grep -q "^usage error" "$MAN/refguard.1" &&
  pass "refguard.1 says usage errors exit 2" || fail "refguard.1 does not document exit status 2"

for page in "$MAN"/*.[18]; do
  warnings=$(groff -man -ww -z "$page" 2>&1 || true)
  [ -z "$warnings" ] && pass "$(basename "$page") renders cleanly" || fail "$(basename "$page"): $warnings"
done
for file in "$COMPLETION"/*; do
  bash -n "$file" && pass "$(basename "$file") completion parses" || fail "$(basename "$file") completion does not parse"
done
# The completion works: complete `refguard audit --verdict ` and `refguard sc`.
if [ -f /usr/share/bash-completion/bash_completion ]; then
  result=$(bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"
    complete_line() { COMP_LINE=$1; COMP_POINT=${#1}; read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=("")
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _refguard; echo "${COMPREPLY[*]}"; }
    complete_line "refguard audit --verdict "; complete_line "refguard sc"' _ "$COMPLETION/refguard")
  grep -q "accept reject bypass timeout" <<<"$result" && grep -qx "scan" <<<"$(tail -1 <<<"$result")" &&
    pass "bash completion completes verdicts and commands" || fail "completion gave: $result"
else fail "bash-completion is not installed (packaging/install-deps.sh installs it)"; fi

finish
