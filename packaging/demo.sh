#!/usr/bin/env bash
# The README's first command: install dependencies, build, then show refguard
# at work on its built-in default policy: a throwaway bare repository, the
# daemon, the hooks, one real `git push` that is rejected with reasons and
# one that is accepted. Everything lives in a temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/packaging/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
bin="$root/build/bin"

demo=$(mktemp -d /tmp/refguard-demo.XXXXXX)
export HOME="$demo/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.email dev@example.test
git config --global user.name "Demo Dev"
git config --global init.defaultBranch main
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$demo"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "start refguardd with the built-in default policy"
"$bin/refguardd" --socket "$demo/refguardd.sock" --state-dir "$demo/state" 2>"$demo/daemon.log" &
daemon_pid=$!
until "$bin/refguard" status --socket "$demo/refguardd.sock" >/dev/null 2>&1; do sleep 0.05; done
cat "$demo/daemon.log"

step "create a bare repository and install the hooks"
git init -q --bare "$demo/server.git"
"$bin/refguard" install --socket "$demo/refguardd.sock" "$demo/server.git"
git clone -q "$demo/server.git" "$demo/work" 2>/dev/null
cd "$demo/work"

step "push an AI script holding an OpenAI key (made up, in the real format): rejected"
key=$(python3 -c "import secrets, string
pick = lambda n: ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))
print('sk-proj-' + pick(74) + 'T3BlbkFJ' + pick(74))")
cat >chat.py <<PY
from openai import OpenAI

client = OpenAI(api_key="$key")
print(client.responses.create(model="gpt-4.1", input="hello").output_text)
PY
git add chat.py && git commit -qm "Add chat script"
git push origin HEAD:main || echo "(push rejected, as it should be)"

step "rewrite the commit to read the key from the environment, push again: accepted"
sed -i 's/api_key=".*"/api_key=os.environ["OPENAI_API_KEY"]/; 1i import os' chat.py
git add chat.py && git commit -q --amend -m "Add chat script"
git push origin HEAD:main

step "the daemon's log"
kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
cat "$demo/daemon.log"
