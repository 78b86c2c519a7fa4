#!/usr/bin/env bash
# Issue 15, item 6: content moved or copied out of a path a rule's allowlist
# exempts (fixtures/**) into a path the rule looks at is new there: a move,
# a copy, a move with an edit and a copy of an edited file's old content are
# each rejected, naming the rule. Content moved between paths the rule looks
# at both is not new (a bypassed key moved with its directory stays accepted).
# A tree entry whose name holds a '/' (a path it does not have) is refused.
source "$(dirname "$0")/lib.sh"

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["alice"]
[[rule]]
id = "openai-api-key"
[rule.allowlist]
paths = ["fixtures/**"]
TOML
start_daemon --config "$T/policy.toml"
new_app
commit_file "$work" fixtures/keys.py "# keys for the parser tests
OPENAI_API_KEY = \"$(fake_openai_key)\"
other = 1
" "fixture keys"
push "$work" origin HEAD:main
expect_accepted "a key under the allowlisted fixtures/ is accepted"
base=$(git -C "$work" rev-parse HEAD)

# expect_blocked_route WHAT: pushes the commit the caller made (to a branch of
# its own), expects a rejection naming the rule at the new path, then goes
# back to the fixture's commit.
routes=0
expect_blocked_route() {
  routes=$((routes + 1))
  push "$work" origin "HEAD:refs/heads/route-$routes"
  expect_rejected "$1 is rejected"
  expect_output "$1: the rule is named" "BLOCKED [openai-api-key]"
  expect_output "$1: at the new path" "at src/keys.py:2"
  git -C "$work" reset -q --hard "$base"
}

mkdir -p "$work/src" && git -C "$work" mv fixtures/keys.py src/keys.py
git -C "$work" commit -q -m "move the fixture into src"
expect_blocked_route "git mv fixtures/keys.py src/keys.py"

mkdir -p "$work/src" && cp "$work/fixtures/keys.py" "$work/src/keys.py"
git -C "$work" add src/keys.py && git -C "$work" commit -q -m "copy the fixture into src"
expect_blocked_route "a copy of the fixture into src/"

mkdir -p "$work/src" && git -C "$work" mv fixtures/keys.py src/keys.py
sed -i 's/^other = 1$/other = 2/' "$work/src/keys.py"
git -C "$work" commit -q -am "move the fixture and edit another line"
expect_blocked_route "git mv and an edit of another line"

mkdir -p "$work/src" && cp "$work/fixtures/keys.py" "$work/src/keys.py"
sed -i 's/^other = 1$/other = 3/' "$work/fixtures/keys.py"
git -C "$work" add -A && git -C "$work" commit -q -m "copy the fixture, then edit the fixture"
expect_blocked_route "a copy of an edited fixture's old content"

# Within paths the rule exempts, or the rule looks at both, a move is not new.
mkdir -p "$work/fixtures/more" && git -C "$work" mv fixtures/keys.py fixtures/more/keys.py
git -C "$work" commit -q -m "reorganise the fixtures"
push "$work" origin HEAD:main
expect_accepted "a move within fixtures/ is accepted"

commit_file "$work" app/settings.py "OPENAI_API_KEY = \"$(fake_openai_key)\"
" "a key alice pushes past"
export REMOTE_USER=alice
push "$work" -o "refguard.bypass=rotated, INC-9" origin HEAD:main
expect_accepted "alice bypasses a key in app/"
unset REMOTE_USER
git -C "$work" mv app lib && git -C "$work" commit -q -m "rename app/ to lib/"
push "$work" origin HEAD:main
expect_accepted "moving the bypassed key between paths the rule looks at is not new"
expect_no_output "and reports nothing" "openai-api-key"

# A tree can name an entry "fixtures/new.py" in the root tree itself (git
# hash-object --literally writes it; git push sends it): a key there would
# sit where the allowlist looks and where no checkout puts it. The check
# refuses such a tree as corrupt (git fsck's fullPathname error).
blob=$(printf 'OPENAI_API_KEY = "%s"\n' "$(fake_openai_key)" | git -C "$work" hash-object -w --stdin)
python3 - "$blob" >"$T/hostile.tree" <<'PY'
import sys
sys.stdout.buffer.write(b"100644 fixtures/new.py\0" + bytes.fromhex(sys.argv[1]))
PY
tree=$(git -C "$work" hash-object -t tree --literally -w "$T/hostile.tree")
hostile=$(git -C "$work" commit-tree "$tree" -p HEAD -m "a key in a name with a slash")
push "$work" origin "$hostile:refs/heads/hostile-tree"
expect_rejected "a tree entry named fixtures/new.py is rejected"
expect_output "the pusher is told the tree is corrupt" "corrupt tree"
expect_output "and which name" "fixtures/new.py"
finish
