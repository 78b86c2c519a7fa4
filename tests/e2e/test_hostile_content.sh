#!/usr/bin/env bash
# Pushed content built to hurt the parsers (issue 15, items 1 and 9): files
# nested as deep as their size allows, and MCP configs that do not parse.
# Each push gets an explicit verdict with a reason, and the daemon (and the
# CLI's check and scan) keep running.
source "$(dirname "$0")/lib.sh"

# bomb OPEN CLOSE COUNT: COUNT copies of OPEN, then of CLOSE (fast: no shell loop).
bomb() { python3 -c "import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[3]) + sys.argv[2] * int(sys.argv[3]))" "$1" "$2" "$3"; }

start_daemon
server=$(new_server hostile)
git -C "$server" config refguard.failMode accept  # what an attacker hopes for: a dead daemon lets everything in
work=$(new_clone "$server" work)
commit_file "$work" README.md "hostile content tests
"
push "$work" origin HEAD:main
expect_accepted "a first push lands"

# 1. ~1.2 MB .mcp.json: 300,000 nested '[' beside a server with a literal key.
key=$(fake_openai_key)
{
  printf '{"padding": '
  bomb '[ ' ' ]' 300000
  printf ',\n "mcpServers": {"s": {"command": "node", "args": ["server.js"], "env": {"OPENAI_API_KEY": "%s"}}}}\n' "$key"
} >"$work/.mcp.json"
git -C "$work" add .mcp.json && git -C "$work" commit -qm "deep mcp config"
push "$work" origin HEAD:main
expect_rejected "a depth-bombed .mcp.json is rejected"
expect_output "the pusher is told why" "nested deeper than 256 levels"
expect_no_output "the verdict is the daemon's, not the fail mode's" "failMode"
if kill -0 "$DAEMON_PID" 2>/dev/null && "$BIN/refguard" status --socket "$SOCK" >/dev/null; then
  pass "the daemon survives the depth bomb"
else
  fail "the daemon died on the depth bomb"
fi
# The inline fail mode runs `refguard check` in-process: the same file must not crash it.
set +e
# A repository that has the commit's objects but no ref to it, as in a real push.
git init -q --bare "$T/inline.git"
git -C "$work" push -q "$T/inline.git" origin/main:refs/heads/main 2>/dev/null
git -C "$T/inline.git" fetch -q "$work" HEAD 2>/dev/null
OUT=$(cd "$T/inline.git" && printf '%s %s refs/heads/main\n' "$(git -C "$work" rev-parse origin/main)" "$(git -C "$work" rev-parse HEAD)" |
  "$BIN/refguard" check 2>&1)
RC=$?
set -e
if [ "$RC" -eq 1 ] && grep -qF "nested deeper than 256 levels" <<<"$OUT"; then pass "refguard check rejects it without crashing"; else
  fail "refguard check: rc=$RC"
  printf '%s\n' "$OUT" | tail -5 >&2
fi
set +e
OUT=$("$BIN/refguard" scan --repo "$work/.git" --format text 2>&1)
RC=$?
set -e
if [ "$RC" -le 1 ] && grep -qF "nested deeper than 256 levels" <<<"$OUT"; then pass "refguard scan reports it without crashing"; else
  fail "refguard scan: rc=$RC"
  printf '%s\n' "$OUT" | tail -5 >&2
fi
git -C "$work" reset -q --hard origin/main

# The same with objects: bounded too (the issue saw these pass at 200,000).
bomb '{"a":' '}' 200000 >"$work/.cursor-mcp-deep.json"
mkdir -p "$work/.cursor" && mv "$work/.cursor-mcp-deep.json" "$work/.cursor/mcp.json"
git -C "$work" add .cursor/mcp.json && git -C "$work" commit -qm "deep objects"
push "$work" origin HEAD:main
expect_rejected "deeply nested objects are rejected as well"
git -C "$work" reset -q --hard origin/main

# A notebook nested as deep: read as plain text, no crash, an explicit verdict.
{
  printf '{"cells": [{"cell_type": "code", "source": "OPENAI_API_KEY = \\"%s\\"", "outputs": [], "metadata": ' "$key"
  bomb '[' ']' 300000
  printf '}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}\n'
} >"$work/deep.ipynb"
git -C "$work" add deep.ipynb && git -C "$work" commit -qm "deep notebook"
push "$work" origin HEAD:main
expect_rejected "a depth-bombed notebook still has its key found"
expect_output "the key in it is named" "openai-api-key"
git -C "$work" reset -q --hard origin/main

# A pickle of 300,000 nested tuples (EMPTY_TUPLE, then TUPLE1 each level): two bytes a level.
python3 -c "import sys; sys.stdout.buffer.write(b'\x80\x04)' + b'\x85' * 300000 + b'.')" >"$work/model.pkl"
git -C "$work" add model.pkl && git -C "$work" commit -qm "deep pickle"
push "$work" origin HEAD:main
if [ "$RC" -eq 0 ] || grep -q "pre-receive hook declined" <<<"$OUT"; then pass "a depth-bombed pickle gets a verdict"; else
  fail "a depth-bombed pickle: rc=$RC"
  printf '%s\n' "$OUT" >&2
fi
expect_no_output "the pickle's verdict is the daemon's" "failMode"
git -C "$work" reset -q --hard origin/main

# A committed policy of 100,000 nested tables: refused like a broken policy.
{
  printf 'version = 1\n['
  python3 -c "import sys; sys.stdout.write('.'.join(['a'] * 100000))"
  printf ']\nx = 1\n'
} >"$work/.refguard.toml"
git -C "$work" add .refguard.toml && git -C "$work" commit -qm "deep policy"
push "$work" origin HEAD:main
expect_rejected "a depth-bombed committed policy is refused"
expect_output "the policy error says why" "deeper than 64 levels"
git -C "$work" reset -q --hard origin/main

if "$BIN/refguard" status --socket "$SOCK" >/dev/null; then pass "the daemon still serves after every bomb"; else
  fail "the daemon stopped serving"
fi

# 9. A malformed .mcp.json (a stray comma, an unclosed brace): its literal token is still found.
printf '{\n  "mcpServers": {\n    "github": {\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],,\n      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_%s"}\n    }\n  }\n' \
  "$(rand_alnum 36)" >"$work/.mcp.json"
git -C "$work" add .mcp.json && git -C "$work" commit -qm "malformed mcp config"
push "$work" origin HEAD:main
expect_rejected "a malformed .mcp.json with a literal token is rejected"
expect_output "the token is reported as in a valid file" "literal token in GITHUB_PERSONAL_ACCESS_TOKEN"
expect_output "the parse problem is still shown" "cannot parse .mcp.json"
git -C "$work" reset -q --hard origin/main
printf '{\n  "mcpServers": {\n    "api": {"command": "node", "args": ["s.js", "--api-key", "%s",],\n  }\n' \
  "k$(rand_alnum 40)" >"$work/.mcp.json"
git -C "$work" add .mcp.json && git -C "$work" commit -qm "malformed mcp config, flag"
push "$work" origin HEAD:main
expect_rejected "a token after --api-key in a broken file is found"
git -C "$work" reset -q --hard origin/main
printf '{\n  "mcpServers": {\n    "api": {"command": "node", "args": ["s.js"], "env": {"API_KEY": "${API_KEY}"},,\n  }\n' >"$work/.mcp.json"
git -C "$work" add .mcp.json && git -C "$work" commit -qm "malformed mcp config, reference only"
push "$work" origin HEAD:main
expect_accepted "a broken file with references only still lands (a warning)"

finish
