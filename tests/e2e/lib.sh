# Shared helpers for the end-to-end tests: a throwaway bare repository, the
# real daemon, the real hooks and real `git push`es. Source it from a test.
# Every test runs in its own temporary directory, removed on exit.
set -euo pipefail

BIN=${REFGUARD_BIN:?set REFGUARD_BIN to the build directory\'s bin/}
SRC=${REFGUARD_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/refguard-e2e.XXXXXX")
SOCK="$T/refguardd.sock"
DAEMON_PID=""
FAILURES=0
PASSES=0

export GIT_CONFIG_NOSYSTEM=1
export HOME="$T/home"
mkdir -p "$HOME"
git config --global user.email "dev@example.test"
git config --global user.name "Dev"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

cleanup() {
  stop_daemon || true
  rm -rf "$T"
}
trap cleanup EXIT

log() { printf '  %s\n' "$*" >&2; }

source "$SRC/tests/daemon_control.sh"

# start_daemon [extra refguardd args...]: starts refguardd on $SOCK (log in
# $T/daemon.log) and waits until it answers; a failure fails the test.
start_daemon() {
  daemon_start "$T/daemon.log" "$@" || { fail "the daemon did not start"; return 1; }
}

# wait_for_log TEXT: waits up to 20 s for the daemon to log TEXT.
wait_for_log() {
  for _ in $(seq 1 200); do
    grep -qF -- "$1" "$T/daemon.log" && return 0
    sleep 0.1
  done
  return 1
}

# new_server NAME: a bare repository with refguard's hooks, echoes its path.
new_server() {
  local repo="$T/$1.git"
  git init -q --bare "$repo"
  "$BIN/refguard" install --socket "$SOCK" "$repo" >/dev/null
  echo "$repo"
}

# new_clone SERVER NAME: a working clone, echoes its path.
new_clone() {
  local dir="$T/$2"
  git clone -q "$1" "$dir" 2>/dev/null
  echo "$dir"
}

# new_app: the usual start: a server "app" with refguard's hooks and a clone
# "work" whose first commit (a README) is pushed to main; sets $server and $work.
new_app() {
  server=$(new_server app)
  work=$(new_clone "$server" work)
  commit_file "$work" README.md "# app
" "initial"
  push "$work" origin HEAD:main
  expect_accepted "initial push"
}

# commit_file DIR PATH CONTENT [MESSAGE]
commit_file() {
  mkdir -p "$(dirname "$1/$2")"
  printf '%s' "$3" >"$1/$2"
  git -C "$1" add -- "$2"
  git -C "$1" commit -q -m "${4:-add $2}"
}

# push DIR [git push args...]: runs a real push; output in $OUT, exit code in $RC.
push() {
  local dir=$1
  shift
  set +e
  OUT=$(git -C "$dir" push "$@" 2>&1)
  RC=$?
  set -e
}

# Fake credentials in real formats, random each run (never real keys).
rand_alnum() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"; }
rand_hex() { LC_ALL=C tr -dc 'a-f0-9' </dev/urandom | head -c "$1"; }
fake_openai_key() { echo "sk-proj-$(rand_alnum 74)T3BlbkFJ$(rand_alnum 74)"; }
fake_anthropic_key() { echo "sk-ant-api03-$(rand_alnum 93)AA"; }

pass() { PASSES=$((PASSES + 1)); log "ok: $*"; }
fail() { FAILURES=$((FAILURES + 1)); log "FAIL: $*"; }

# expect_rejected WHAT: the last push was rejected by the pre-receive hook.
expect_rejected() {
  if [ "$RC" -ne 0 ] && grep -q "pre-receive hook declined" <<<"$OUT"; then pass "$1"; else
    fail "$1: expected a rejection, got rc=$RC"
    printf '%s\n' "$OUT" >&2
  fi
}
expect_accepted() {
  if [ "$RC" -eq 0 ]; then pass "$1"; else
    fail "$1: expected acceptance, got rc=$RC"
    printf '%s\n' "$OUT" >&2
  fi
}
expect_output() {  # expect_output WHAT FIXED-STRING
  if grep -qF -- "$2" <<<"$OUT"; then pass "$1"; else
    fail "$1: output lacks '$2'"
    printf '%s\n' "$OUT" >&2
  fi
}
expect_no_output() {  # expect_no_output WHAT FIXED-STRING
  if grep -qF -- "$2" <<<"$OUT"; then
    fail "$1: output holds '$2'"
    printf '%s\n' "$OUT" >&2
  else pass "$1"; fi
}

# finish: prints the counts and exits non-zero on any failure.
finish() {
  echo "$(basename "$0"): $PASSES passed, $FAILURES failed"
  if [ "$FAILURES" -ne 0 ]; then
    echo "--- daemon log ---" >&2
    tail -n 50 "$T/daemon.log" >&2 2>/dev/null || true
    exit 1
  fi
}
