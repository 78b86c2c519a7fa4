# Helpers for the transport tests (HTTP, SSH, gitolite): servers on
# 127.0.0.1 only, every process they start stopped on exit, and a recording
# proxy in front of refguardd that keeps every byte the hooks send.
# Source it after lib.sh.

SERVER_PIDS=()
RG="$BIN/refguard"
export GIT_TERMINAL_PROMPT=0

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
trap 'stop_servers; cleanup' EXIT

# start_server LOG COMMAND...: runs a server in the background, remembered for cleanup.
start_server() {
  local log=$1
  shift
  "$@" >>"$log" 2>&1 &
  SERVER_PIDS+=("$!")
}

# A watchdog: the whole test is bounded even if a server hangs.
bash -c 'trap "kill \$s 2>/dev/null; exit" TERM; sleep '"${TEST_TIME_LIMIT:-90}"' & s=$!; wait $s
  echo "time limit reached: stopping the test" >&2; kill -TERM '"$$" &
SERVER_PIDS+=("$!")

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port PORT: until something accepts on 127.0.0.1:PORT (10 s).
wait_for_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  fail "nothing listens on 127.0.0.1:$1 after 10 s"
  return 1
}

# start_recording_proxy: a Unix socket at $PROXY_SOCK that forwards to $SOCK and
# appends everything clients send to $T/requests.bin.
PROXY_SOCK="$T/proxy.sock"
start_recording_proxy() {
  cat >"$T/proxy.py" <<'PY'
import socket, sys, threading
listen, target, record = sys.argv[1:4]
lock = threading.Lock()
def pump(src, dst, keep):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if keep:
                with lock, open(record, "ab") as out:
                    out.write(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
def serve(client):
    upstream = socket.socket(socket.AF_UNIX)
    upstream.connect(target)
    back = threading.Thread(target=pump, args=(upstream, client, False))
    back.start()
    pump(client, upstream, True)
    back.join()
    client.close()
    upstream.close()
server = socket.socket(socket.AF_UNIX)
server.bind(listen)
server.listen(16)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
  : >"$T/requests.bin"
  start_server "$T/proxy.log" python3 "$T/proxy.py" "$PROXY_SOCK" "$SOCK" "$T/requests.bin"
  for _ in $(seq 1 100); do [ -S "$PROXY_SOCK" ] && return 0; sleep 0.05; done
  fail "the recording proxy did not start"
}

# expect_file_has WHAT FILE FIXED-STRING / expect_file_lacks WHAT FILE FIXED-STRING
expect_file_has() {
  if grep -qaF -- "$3" "$2"; then pass "$1"; else fail "$1: $2 lacks '$3'"; fi
}
expect_file_lacks() {
  if grep -qaF -- "$3" "$2"; then fail "$1: $2 holds '$3'"; else pass "$1"; fi
}

# key_commit DIR: commits an AI script holding a fresh fake OpenAI key.
key_commit() {
  commit_file "$1" "bot-$RANDOM.py" "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "Add bot"
}

# start_git_http [USER HOME]: lighttpd on a free loopback port ($HTTP_PORT):
# /git/* runs git-http-backend for the bare repositories in $T/srv, behind basic
# auth ($T/htpasswd); logs in $T/lighttpd-*.log. With USER, lighttpd drops to
# that user and its groups, as a packaged web server does, and the CGI's HOME
# is HOME (where that user's git config says which repositories it trusts).
start_git_http() {
  local user=${1:-} home=${2:-} identity="" environment=""
  HTTP_PORT=$(free_port)
  if [ -n "$user" ]; then
    identity="server.username = \"$user\""$'\n'"server.groupname = \"$(id -gn "$user")\""
    environment=", \"HOME\" => \"$home\""
    touch "$T/lighttpd-error.log" "$T/lighttpd-access.log"
    chown "$user" "$T/lighttpd-error.log" "$T/lighttpd-access.log"
  fi
  cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/srv"
server.bind = "127.0.0.1"
server.port = $HTTP_PORT
$identity
server.pid-file = "$T/lighttpd.pid"
server.errorlog = "$T/lighttpd-error.log"
accesslog.filename = "$T/lighttpd-access.log"
server.modules = ("mod_access", "mod_alias", "mod_auth", "mod_authn_file", "mod_setenv", "mod_cgi", "mod_accesslog")
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$T/htpasswd"
auth.require = ("/git/" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")
\$HTTP["url"] =~ "^/git" {
  cgi.assign = ("" => "")
  setenv.add-environment = ("GIT_PROJECT_ROOT" => "$T/srv", "GIT_HTTP_EXPORT_ALL" => ""$environment)
}
EOF
  start_server "$T/lighttpd.out" lighttpd -D -f "$T/lighttpd.conf"
  wait_for_port "$HTTP_PORT"
}

# ssh_keys: a host key and known_hosts for 127.0.0.1:$SSH_PORT, in $T/ssh.
# new_user_key NAME: a throwaway user key, $T/ssh/NAME and NAME.pub.
new_user_key() { ssh-keygen -q -t ed25519 -N '' -C "$1@refguard-test" -f "$T/ssh/$1"; }

# start_sshd AUTHORIZED_KEYS [extra sshd_config lines]: a private sshd on a
# free loopback port ($SSH_PORT), logging in as the current user with keys only.
start_sshd() {
  mkdir -p "$T/ssh" /run/sshd
  chmod 0755 /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_ed25519"
  SSH_PORT=$(free_port)
  cat >"$T/ssh/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $T/ssh/host_ed25519
PidFile $T/ssh/sshd.pid
AuthorizedKeysFile $1
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
X11Forwarding no
AllowTcpForwarding no
LogLevel VERBOSE
${2:-}
EOF
  start_server "$T/sshd.log" /usr/sbin/sshd -D -e -f "$T/ssh/sshd_config"
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$T/ssh/host_ed25519.pub")" >"$T/ssh/known_hosts"
  wait_for_port "$SSH_PORT"
}

# ssh_command KEY: the GIT_SSH_COMMAND that logs in with $T/ssh/KEY.
ssh_command() {
  echo "ssh -F /dev/null -i $T/ssh/$1 -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=10" \
    "-o UserKnownHostsFile=$T/ssh/known_hosts -o StrictHostKeyChecking=yes -p $SSH_PORT"
}
