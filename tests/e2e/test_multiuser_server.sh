#!/usr/bin/env bash
# Issue 14: refguard as packaged, on a Git server with separate OS users.
# Builds the .deb, installs it with dpkg, creates the Git service user `git`
# (repositories shared with group `git`) and starts the daemon exactly as the
# installed template unit refguard@git.service would: no systemd runs as PID 1
# here, so the test reads User=, EnvironmentFile= and ExecStart= from the
# installed unit, expands %i, and runs the command with setpriv as that user.
# Then, over a real sshd (login `git`, a key per pusher) and smart HTTP
# (lighttpd running git-http-backend as www-data, a member of group git):
# rejections with reasons, clean pushes, warnings as git notes owned by `git`,
# `git gc` as `git` afterwards, audit records with the right pusher; the
# daemon down (inline check, audit record); a daemon started as root; and
# `refguard scan` as root; and gitolite over SSH with the gitolite3 instance.
# Needs root; removes the package, the users and
# files it created.
TEST_TIME_LIMIT=${TEST_TIME_LIMIT:-300}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/servers.sh"

if [ "$(id -u)" -ne 0 ]; then
  fail "this test creates OS users and installs the package: run it as root (CI does)"
  finish
fi
if grep -q "^REFGUARD_SANITIZE:STRING=." "$BIN/../CMakeCache.txt" 2>/dev/null; then
  # Sanitized binaries would go into /usr and run as other users whose reports
  # could not reach the build's report directory: the plain build runs this test.
  echo "sanitized build: the package test runs in the plain build stage"
  finish
fi
chmod 0755 "$T"  # the service user and www-data reach the repositories below it
BUILD=$(cd "$BIN/.." && pwd)
CREATED_USERS=()
WAS_INSTALLED=$(dpkg-query -W -f='${Status}' refguard 2>/dev/null | grep -c "install ok installed" || true)

teardown() {
  stop_servers
  stop_daemon || true
  pkill -u git -x refguardd 2>/dev/null || true
  pkill -u gitolite3 -x refguardd 2>/dev/null || true
  if [ "$WAS_INSTALLED" = 0 ]; then dpkg --purge refguard >/dev/null 2>&1 || true; fi
  rm -f /etc/refguard/refguardd@git.env
  gpasswd -d www-data git >/dev/null 2>&1 || true
  for user in "${CREATED_USERS[@]}"; do
    userdel "$user" 2>/dev/null || true
    groupdel "$user" 2>/dev/null || true
  done
  [ -n "${KEEP_T:-}" ] && { echo "kept $T" >&2; return; }
  cleanup
}
trap teardown EXIT

# --- the package -----------------------------------------------------------------
if ! cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg" >"$T/cpack.log" 2>&1; then
  cat "$T/cpack.log" >&2
  fail "cpack -G DEB"
  finish
fi
DEB=$(ls "$T"/pkg/refguard_*.deb)
if dpkg -i "$DEB" >"$T/dpkg.log" 2>&1; then pass "dpkg -i installs the package"; else
  cat "$T/dpkg.log" >&2
  fail "dpkg -i installs the package"
  finish
fi
RG=/usr/bin/refguard

# --- the users ---------------------------------------------------------------------
# git: the service user (owns the repositories, runs git-receive-pack over SSH and
# its refguardd); www-data: the web server, in group git to push over HTTP.
if ! getent passwd git >/dev/null; then
  getent group git >/dev/null || groupadd --system git
  # '*', not useradd's locked '!': sshd without PAM refuses locked accounts, keys or not.
  useradd --system --gid git --home-dir "$T/git-home" --create-home --shell /usr/bin/git-shell --password '*' git
  CREATED_USERS+=(git)
fi
GIT_HOME=$(getent passwd git | cut -d: -f6)
usermod -aG git www-data
mkdir -p "$T/srv"
chown git:git "$T/srv"
chmod 2775 "$T/srv"
as_git() { runuser -u git -- env HOME="$GIT_HOME" GIT_CONFIG_NOSYSTEM=1 "$@"; }
as_git git config --global user.name "Git Service"
as_git git config --global user.email git@example.test
as_git git init -q --bare --shared=group "$T/srv/app.git"
as_git git --git-dir="$T/srv/app.git" symbolic-ref HEAD refs/heads/main

# --- the daemon, as refguard@git.service runs it ---------------------------------
UNIT=/lib/systemd/system/refguard@.service
# unit_value KEY [INSTANCE]: KEY= of the installed template unit, %i expanded.
unit_value() { sed -n "s/^$1=//p" "$UNIT" | sed "s/%i/${2:-git}/g"; }
[ "$(unit_value User)" = git ] && pass "the unit runs the daemon as the instance's user" || fail "User=$(unit_value User)"
printf 'REFGUARDD_OPTS="--root %s"\n' "$T/srv" >/etc/refguard/refguardd@git.env
# StateDirectory= and the socket unit's DirectoryMode=, as systemd would create them.
install -d -m 0755 /run/refguard
# start_unit_daemon INSTANCE HOME SOCKET_MODE: the daemon as refguard@INSTANCE
# runs it. The socket as refguard@INSTANCE.socket makes it
# (systemd-socket-activate stands in for systemd: it listens, then runs the
# service's command with LISTEN_FDS), owned by the instance's user with
# SOCKET_MODE: the unit's 0600, or 0660 as the README's recipe for a second
# pushing user says (SocketGroup=git, SocketMode=0660: www-data pushes over HTTP).
start_unit_daemon() {
  local instance=$1 home=$2 mode=$3 state_mode=${4:-0750} user
  user=$(unit_value User "$instance")
  # The environment files, in the unit's order (a leading '-': optional); their
  # simple KEY="value" lines read the same in sh as in systemd.
  local exec opts
  opts=$(unit_value EnvironmentFile "$instance" | while read -r file; do
    file=${file#-}
    if [ -r "$file" ]; then . "$file"; fi
    printf '%s\n' "${REFGUARDD_OPTS:-}"
  done | tail -1)
  exec=$(unit_value ExecStart "$instance")
  # systemd splits an unquoted $VAR on whitespace: so does the unquoted $exec below.
  exec=${exec//\$REFGUARDD_OPTS/$opts}
  local socket=/run/refguard/$instance.sock
  install -d -o "$user" -g "$(id -gn "$user")" -m "$state_mode" "/var/lib/refguard/$instance"  # StateDirectory=
  rm -f "$socket"
  # shellcheck disable=SC2086
  systemd-socket-activate -l "$socket" \
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups env HOME="$home" PATH=/usr/bin:/bin $exec \
    >>"$T/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.05; done
  chown "$user:$(id -gn "$user")" "$socket"
  chmod "$mode" "$socket"
  for _ in $(seq 1 200); do
    runuser -u "$user" -- "$RG" status --socket "$socket" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$T/daemon.log" >&2
  fail "the daemon of refguard@$instance did not start"
  finish
}
# The README's recipe for a second pushing user also shares the state
# directory with the group (StateDirectoryMode=2770): the inline check run as
# www-data then appends to the same audit log.
start_unit_daemon git "$GIT_HOME" 0660 2770
[ "$(stat -c %U /proc/"$DAEMON_PID")" = git ] && pass "the daemon runs as git" || fail "daemon user: $(stat -c %U /proc/"$DAEMON_PID")"
grep -q "serving repositories under $T/srv" "$T/daemon.log" && pass "the instance's environment file reaches the daemon" ||
  fail "REFGUARDD_OPTS from /etc/refguard/refguardd@git.env was not applied"
[ "$(stat -c %U /run/refguard/git.sock)" = git ] && pass "the socket belongs to git" || fail "socket owner"

# --- install, as root, on git's repositories -------------------------------------
"$RG" install --all "$T/srv" >"$T/install.out" 2>&1 || { cat "$T/install.out" >&2; fail "refguard install --all"; }
[ "$(git --git-dir="$T/srv/app.git" config refguard.socket)" = /run/refguard/git.sock ] &&
  pass "install picks the socket of the repository owner's daemon" ||
  fail "refguard.socket: $(git --git-dir="$T/srv/app.git" config refguard.socket)"
[ "$(git --git-dir="$T/srv/app.git" config refguard.cli)" = /usr/bin/refguard ] &&
  pass "install records the packaged CLI for the inline fail mode" || fail "refguard.cli: $(git --git-dir="$T/srv/app.git" config refguard.cli)"
[ -z "$(find "$T/srv" -user root)" ] && pass "install as root leaves nothing owned by root in the repository" ||
  fail "root-owned after install: $(find "$T/srv" -user root | head -3)"

# no_root_files WHAT: nothing in the repositories belongs to root.
no_root_files() {
  local found
  found=$(find "$T/srv" -user root | head -5)
  [ -z "$found" ] && pass "$1" || fail "$1: root owns $found"
}
# audit_has PUSHER VERDICT: a record of the git instance's audit log.
audit_has() {
  python3 - "$1" "$2" /var/lib/refguard/git/audit.jsonl <<'PY'
import json, sys
user, verdict, path = sys.argv[1:4]
records = [json.loads(line) for line in open(path)]
sys.exit(0 if any(r.get("pusher") == user and r.get("verdict") == verdict for r in records) else 1)
PY
}

# --- SSH: pushers log in as git with their own key -------------------------------
mkdir -p "$T/ssh" "$GIT_HOME/.ssh"
new_user_key alice
# git's login shell is git-shell (git commands only); each key names its person
# with environment= (sshd passes REMOTE_USER and nothing else from the file).
printf 'environment="REMOTE_USER=alice",no-port-forwarding,no-pty %s\n' \
  "$(cat "$T/ssh/alice.pub")" >"$GIT_HOME/.ssh/authorized_keys"
chown -R git:git "$GIT_HOME/.ssh"
# %h: each service user's own keys (git's here, gitolite3's written by gitolite below).
start_sshd "%h/.ssh/authorized_keys" "AllowUsers git gitolite3
PermitUserEnvironment REMOTE_USER"
export GIT_SSH_COMMAND
GIT_SSH_COMMAND=$(ssh_command alice)
SSH_URL="ssh://git@127.0.0.1:$SSH_PORT$T/srv/app.git"

work="$T/work"
git init -q "$work"
git -C "$work" remote add ssh "$SSH_URL"
commit_file "$work" README.md "# app
" "initial"
push "$work" ssh HEAD:main
expect_accepted "SSH as git: a clean push lands"
key_commit "$work"
push "$work" ssh HEAD:main
expect_rejected "SSH as git: a push with a key is rejected"
expect_output "SSH: the pusher reads the reason" "openai"
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" train.py "import torch
model = torch.load(\"model.pt\")
" "Load the model"
warned=$(git -C "$work" rev-parse HEAD)
push "$work" ssh HEAD:main
expect_accepted "SSH: a push with warnings lands"
expect_output "SSH: the warning becomes a note" "as git notes"
if as_git git --git-dir="$T/srv/app.git" notes --ref=refguard show "$warned" 2>/dev/null | grep -q torch-load; then
  pass "SSH: the note is on the commit"
else fail "SSH: no note on $warned"; fi
no_root_files "SSH: nothing in the repository belongs to root"
audit_has alice reject && pass "SSH: the audit log has the rejection by alice" || fail "SSH: no reject record for alice"
audit_has alice accept && pass "SSH: the audit log has alice's accepted push" || fail "SSH: no accept record for alice"

# --- smart HTTP: git-http-backend as www-data, a member of group git -------------
# The web server's user trusts the repositories (they belong to git): git's own
# ownership check, configured as an admin does, in www-data's global config.
install -d -o www-data -g www-data "$T/www-home"
printf '[safe]\n\tdirectory = *\n' >"$T/www-home/.gitconfig"
htpasswd -bc "$T/htpasswd" bob bobs-password 2>/dev/null
chmod 0644 "$T/htpasswd"
start_git_http www-data "$T/www-home"
git -C "$work" remote add http "http://bob:bobs-password@127.0.0.1:$HTTP_PORT/git/app.git"
git -C "$work" fetch -q http 2>/dev/null || true
key_commit "$work"
push "$work" http HEAD:main
expect_rejected "HTTP as www-data: a push with a key is rejected"
expect_output "HTTP: the pusher reads the reason" "openai"
expect_no_output "HTTP: the daemon could read the quarantine" "missing or corrupt"
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" eval.py "import torch
weights = torch.load(\"eval.pt\")
" "Evaluate"
warned_http=$(git -C "$work" rev-parse HEAD)
push "$work" http HEAD:main
expect_accepted "HTTP: a push with warnings lands"
if as_git git --git-dir="$T/srv/app.git" notes --ref=refguard show "$warned_http" 2>/dev/null | grep -q torch-load; then
  pass "HTTP: the warning became a note"
else fail "HTTP: no note on $warned_http"; printf '%s\n' "$OUT" >&2; fi
audit_has bob reject && pass "HTTP: the audit log has the rejection by bob" || fail "HTTP: no reject record for bob"
audit_has bob accept && pass "HTTP: the audit log has bob's accepted push" || fail "HTTP: no accept record for bob"
no_root_files "HTTP: nothing in the repository belongs to root"
# Notes objects the daemon (git) wrote stay writable for the group: www-data
# pushes again, into whatever objects/xx/ the notes created.
notes_dirs_closed=$(find "$T/srv/app.git/objects" -mindepth 1 -maxdepth 1 -type d -name '??' ! -perm -g+w | head -3)
[ -z "$notes_dirs_closed" ] && pass "every objects/xx/ stays group-writable (core.sharedRepository=group)" ||
  fail "objects directories closed to the group: $notes_dirs_closed"
for i in 1 2 3 4 5 6; do commit_file "$work" "notes/n$i.txt" "note $i $RANDOM
" "more $i"; done
push "$work" http HEAD:main
expect_accepted "HTTP: www-data pushes again after the daemon wrote notes"
push "$work" ssh HEAD:main
if as_git git --git-dir="$T/srv/app.git" gc -q >"$T/gc.out" 2>&1; then pass "git gc as git succeeds after the notes"; else
  cat "$T/gc.out" >&2
  fail "git gc as git"
fi
if runuser -u www-data -- env HOME="$T/www-home" git --git-dir="$T/srv/app.git" count-objects >/dev/null 2>&1; then
  pass "www-data still reads the repository after gc"
else fail "www-data cannot read the repository after gc"; fi

# --- the daemon down: the default fail mode checks inline, as the pusher ----------
stop_daemon
pkill -u git -x refguardd 2>/dev/null || true
key_commit "$work"
push "$work" ssh HEAD:main
expect_rejected "daemon down: the inline check rejects a key"
expect_output "daemon down: the fail mode says it checks inline" "checking in-process"
expect_output "daemon down: the reason is shown" "openai"
lines_before=$(wc -l </var/lib/refguard/git/audit.jsonl)
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" clean.txt "clean $RANDOM
" "clean"
push "$work" ssh HEAD:main
expect_accepted "daemon down: a clean push lands"
[ "$(wc -l </var/lib/refguard/git/audit.jsonl)" -gt "$lines_before" ] &&
  pass "daemon down: the inline check appends to the instance's audit log" || fail "the inline check wrote no audit record"
[ "$(stat -c %U /var/lib/refguard/git/audit.jsonl)" = git ] && pass "the audit log still belongs to git" ||
  fail "audit log owner: $(stat -c %U /var/lib/refguard/git/audit.jsonl)"
no_root_files "daemon down: nothing in the repository belongs to root"
key_commit "$work"
push "$work" http HEAD:main
expect_rejected "daemon down, HTTP as www-data: the inline check rejects a key"
audit_has bob reject && [ "$(tail -n 1 /var/lib/refguard/git/audit.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["pusher"])')" = bob ] &&
  pass "daemon down, HTTP: www-data's inline check appends to the shared audit log" ||
  fail "daemon down, HTTP: no audit record by bob's inline check: $(tail -n 1 /var/lib/refguard/git/audit.jsonl)"
git -C "$work" reset -q --hard HEAD~1

# --- a daemon started as root ------------------------------------------------------
# start_root_daemon SOCKET [refguardd args...]: the packaged refguardd started
# as root, as an admin might by hand; waits until it answers on SOCKET.
start_root_daemon() {
  local socket=$1
  shift
  /usr/sbin/refguardd --socket "$socket" "$@" >>"$T/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do "$RG" status --socket "$socket" >/dev/null 2>&1 && break; sleep 0.05; done
}
# With --root owned by git it becomes git before it opens anything. Its socket
# goes into /run/refguard, which only root may write: bound as root and handed
# to git first, as systemd would.
rm -rf /var/lib/refguard/git-root-test
start_root_daemon /run/refguard/root-started.sock --root "$T/srv" --state-dir /var/lib/refguard/git-root-test
[ "$(stat -c %U /proc/"$DAEMON_PID" 2>/dev/null)" = git ] && pass "root-started with --root owned by git: runs as git" ||
  fail "root-started daemon runs as $(stat -c %U /proc/"$DAEMON_PID" 2>/dev/null)"
[ "$(stat -c %U /run/refguard/root-started.sock)" = git ] && pass "root-started: its socket belongs to git" || fail "socket owner"
as_git git --git-dir="$T/srv/app.git" config refguard.socket /run/refguard/root-started.sock
commit_file "$work" infer.py "import torch
net = torch.load(\"net.pt\")
" "Infer"
push "$work" ssh HEAD:main
expect_accepted "root-started daemon: a push with warnings lands"
expect_output "root-started daemon: the warning becomes a note" "as git notes"
no_root_files "root-started daemon: no file owned by root in the repository"
[ "$(stat -c %U /var/lib/refguard/git-root-test)" = git ] && [ "$(stat -c %U /var/lib/refguard/git-root-test/audit.jsonl)" = git ] &&
  pass "root-started: its state directory and audit log, made for git" ||
  fail "root-started state: $(ls -la /var/lib/refguard/git-root-test 2>&1 | head -3)"
stop_daemon
rm -rf /var/lib/refguard/git-root-test
# Without --root or --user it stays root, and writes no note into git's repository.
start_root_daemon "$T/root-daemon.sock" --state-dir "$T/root-state"
chmod 0666 "$T/root-daemon.sock"
as_git git --git-dir="$T/srv/app.git" config refguard.socket "$T/root-daemon.sock"
commit_file "$work" serve.py "import torch
m = torch.load(\"serve.pt\")
" "Serve"
push "$work" ssh HEAD:main
expect_accepted "root daemon: a push with warnings lands"
expect_output "root daemon: the pusher is told why no note was written" "warnings not recorded as git notes"
no_root_files "root daemon: no file owned by root in the repository"
stop_daemon

# --- gitolite, with the gitolite3 instance ---------------------------------------
if ! getent passwd gitolite3 >/dev/null; then
  getent group gitolite3 >/dev/null || groupadd --system gitolite3
  # A real shell: gitolite's authorized_keys lines run command="gitolite-shell KEY".
  useradd --system --gid gitolite3 --home-dir "$T/gitolite-home" --create-home --shell /bin/sh --password '*' gitolite3
  CREATED_USERS+=(gitolite3)
fi
GL_HOME=$(getent passwd gitolite3 | cut -d: -f6)
as_gitolite() { runuser -u gitolite3 -- env HOME="$GL_HOME" GIT_CONFIG_NOSYSTEM=1 "$@"; }
new_user_key gladmin
cp "$T/ssh/gladmin.pub" "$T/gladmin.pub" && chmod 0644 "$T/gladmin.pub"
as_gitolite gitolite setup -pk "$T/gladmin.pub" >"$T/gitolite-setup.log" 2>&1 || { cat "$T/gitolite-setup.log" >&2; fail "gitolite setup"; }
as_gitolite "$RG" install --gitolite >"$T/gl-install.out" 2>&1 || { cat "$T/gl-install.out" >&2; fail "install --gitolite"; }
[ "$(as_gitolite git config --global refguard.socket)" = /run/refguard/gitolite3.sock ] &&
  pass "gitolite: install picks the gitolite3 instance's socket" || fail "gitolite socket: $(as_gitolite git config --global refguard.socket)"
start_unit_daemon gitolite3 "$GL_HOME" 0600
[ "$(stat -c %U /proc/"$DAEMON_PID")" = gitolite3 ] && pass "gitolite: the daemon runs as gitolite3" || fail "gitolite daemon user"
GIT_SSH_COMMAND=$(ssh_command gladmin)
gl_work="$T/gl-work"
if git clone -q "ssh://gitolite3@127.0.0.1:$SSH_PORT/testing" "$gl_work" 2>"$T/gl-clone.err"; then pass "gitolite: clone over SSH"; else
  cat "$T/gl-clone.err" >&2
  fail "gitolite: clone over SSH"
fi
commit_file "$gl_work" README.md "# testing
" "initial"
push "$gl_work" origin HEAD:master
expect_accepted "gitolite: a clean push lands"
key_commit "$gl_work"
push "$gl_work" origin HEAD:master
expect_rejected "gitolite: a push with a key is rejected"
expect_output "gitolite: the reason is shown" "openai"
python3 - /var/lib/refguard/gitolite3/audit.jsonl <<'PY' && pass "gitolite: the instance's audit log names GL_USER" || fail "gitolite: no audit record for gladmin"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
sys.exit(0 if any(r.get("pusher") == "gladmin" and r.get("verdict") == "reject" for r in records) else 1)
PY
[ -z "$(find "$GL_HOME/repositories" -user root | head -1)" ] && pass "gitolite: nothing in its repositories belongs to root" ||
  fail "gitolite: root-owned files"
stop_daemon
GIT_SSH_COMMAND=$(ssh_command alice)

# --- refguard scan as root on git's repository --------------------------------------
set +e
SCAN=$("$RG" scan --repo "$T/srv/app.git" 2>&1)
SCAN_RC=$?
set -e
if grep -q "torch-load" <<<"$SCAN" && ! grep -qi "safe.directory\|ownership" <<<"$SCAN"; then
  pass "refguard scan as root reads git's repository (rc=$SCAN_RC)"
else
  fail "refguard scan as root: $SCAN"
fi
no_root_files "refguard scan as root writes nothing into the repository"
if "$RG" policy show --repo "$T/srv/app.git" >"$T/policy-show.out" 2>&1 && grep -q "openai-api-key" "$T/policy-show.out"; then
  pass "refguard policy show --repo as root reads git's repository"
else fail "policy show --repo as root: $(head -3 "$T/policy-show.out")"; fi
if runuser -u www-data -- env HOME="$T/www-home" "$RG" scan --repo "$T/srv/app.git" >"$T/www-scan.out" 2>&1 ||
  [ $? -eq 1 ]; then
  grep -q "torch-load" "$T/www-scan.out" && pass "refguard scan by another user who can read the repository (www-data)" ||
    fail "scan as www-data: $(head -3 "$T/www-scan.out")"
else fail "scan as www-data failed: $(head -3 "$T/www-scan.out")"; fi

finish
