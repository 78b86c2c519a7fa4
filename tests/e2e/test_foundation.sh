#!/usr/bin/env bash
# Issue 2: a real push adding an LLM key is rejected with reasons; a clean
# push lands; the fail modes work with the daemon stopped.
source "$(dirname "$0")/lib.sh"

start_daemon
server=$(new_server app)
work=$(new_clone "$server" work)

commit_file "$work" README.md "# demo\n" "initial"
push "$work" origin HEAD:main
expect_accepted "a clean push is accepted"

key=$(fake_openai_key)
commit_file "$work" src/client.py "import openai
client = openai.OpenAI(api_key=\"$key\")
" "Add OpenAI client"
push "$work" origin HEAD:main
expect_rejected "a push adding an OpenAI key is rejected"
expect_output "the rejection names path:line" "src/client.py:2"
expect_output "the rejection names the rule" "openai-api-key"
expect_output "the rejection names the commit subject" "\"Add OpenAI client\""
expect_output "the rejection shows a masked prefix" "sk-proj-"
expect_no_output "the full key never appears" "$key"
expect_output "the rejection says what to do" "rotate"

# Removing the key in a later commit of the same push does not help: history keeps it.
commit_file "$work" src/client.py "import openai, os
client = openai.OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])
" "Read key from env"
push "$work" origin HEAD:main
expect_rejected "a key added then removed within one push is still rejected"

# Rewrite history without the key: accepted.
git -C "$work" reset -q --hard origin/main
commit_file "$work" src/client.py "import openai, os
client = openai.OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])
" "Add OpenAI client reading the env"
push "$work" origin HEAD:main
expect_accepted "the rewritten push is accepted"

# Two refs in one push, one of them adding an Anthropic key.
git -C "$work" checkout -q -b feature
commit_file "$work" agent.py "ANTHROPIC_API_KEY = \"$(fake_anthropic_key)\"
" "Add agent"
git -C "$work" checkout -q main
commit_file "$work" notes.txt "plain notes
" "notes"
push "$work" origin main feature
expect_rejected "a two-ref push where one ref adds a key is rejected"
expect_output "the finding names the ref that brought it" "refs/heads/feature"
if git -C "$server" rev-parse -q --verify refs/heads/feature >/dev/null; then fail "the feature ref must not land"; else pass "no ref of a rejected push lands"; fi

# The daemon stopped: failMode=inline (the default) gives the same verdict in-process.
stop_daemon
push "$work" origin feature
expect_rejected "inline fail mode rejects the key without the daemon"
expect_output "inline fail mode tells the pusher" "failMode=inline"
expect_output "inline fail mode names path:line" "agent.py:1"
push "$work" origin main
expect_accepted "inline fail mode accepts a clean push"

git -C "$server" config refguard.failMode reject
commit_file "$work" more.txt "more
" "more"
push "$work" origin main
expect_rejected "reject fail mode rejects when the daemon is down"
expect_output "reject fail mode tells the pusher" "failMode=reject"

git -C "$server" config refguard.failMode accept
push "$work" origin main
expect_accepted "accept fail mode accepts when the daemon is down"
expect_output "accept fail mode warns the pusher" "WITHOUT a check"

finish
