#!/usr/bin/env bash
# Issue 4: every kind of push is checked exactly once, only for what is new.
source "$(dirname "$0")/lib.sh"

# The daemon's log line for the last push: "push accept repo=... commits=N files=N ... cache_hits=N".
last_push_log() { grep "push \(accept\|reject\)" "$T/daemon.log" | tail -1; }
expect_log() {  # expect_log WHAT FIXED-STRING
  if last_push_log | grep -qF -- "$2"; then pass "$1"; else fail "$1: daemon logged '$(last_push_log)'"; fi
}

cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
bypass_users = ["admin"]
[[ref_rule]]
refs = ["refs/heads/main", "refs/heads/release/*"]
forbid = ["force-push", "delete"]
message = "protected branch"
TOML
start_daemon --config "$T/policy.toml"
server=$(new_server app)
work=$(new_clone "$server" work)
commit_file "$work" README.md "# app
" "initial"
commit_file "$work" src/app.py "print('hi')
" "app"
push "$work" origin HEAD:main
expect_accepted "initial push"

# New branch at an existing commit: nothing to scan.
push "$work" origin HEAD:refs/heads/at-existing
expect_accepted "a new branch at an existing commit is accepted"
expect_log "a new branch at an existing commit scans no commits" "commits=0"

# New branch with one new commit on top of existing history: only that commit.
git -C "$work" checkout -q -b feature
commit_file "$work" f.txt "feature
" "feature work"
push "$work" origin feature
expect_log "a new branch scans only its new commit" "commits=1 "

# Force push: only the rewritten commit is new; the one rewritten away is not scanned.
git -C "$work" commit -q --amend -m "feature work, amended"
push "$work" -f origin feature
expect_accepted "a force push to an unprotected branch is accepted"
expect_log "a force push scans only what is new" "commits=1 "

# Protected refs: force push and deletion of main are refused.
git -C "$work" checkout -q main
git -C "$work" commit -q --amend -m "initial rewritten" --allow-empty
push "$work" -f origin main
expect_rejected "a force push to main is rejected by the ref rule"
expect_output "the pusher is told why" "force-pushing refs/heads/main is forbidden"
git -C "$work" reset -q --hard origin/main
push "$work" origin :main
expect_rejected "deleting main is rejected by the ref rule"
push "$work" origin :at-existing
expect_accepted "deleting an unprotected branch is accepted"

# Several refs sharing commits: each commit scanned once.
git -C "$work" checkout -q -b multi-a
commit_file "$work" m1.txt "m1
" "m1"
commit_file "$work" m2.txt "m2
" "m2"
git -C "$work" branch multi-b
push "$work" origin multi-a multi-b
expect_log "two refs sharing two new commits scan them once" "commits=2 "

# Annotated tag: its message is scanned; the commits it brings too.
git -C "$work" checkout -q main
commit_file "$work" t.txt "tagged
" "tagged commit"
git -C "$work" tag -a v1 -m "release notes: api key $(fake_openai_key)"
push "$work" origin v1
expect_rejected "an annotated tag whose message holds a key is rejected"
expect_output "the tag finding names the tag" "refs/tags/v1 (tag message)"
git -C "$work" tag -d v1 >/dev/null
git -C "$work" tag -a v1 -m "clean release"
push "$work" origin v1
expect_accepted "a clean annotated tag is accepted"
expect_log "the tag brought its commit" "commits=1 "

# Merges: a clean merge of existing work adds nothing; a key typed while resolving a conflict is found.
git -C "$work" checkout -q -b side origin/main
commit_file "$work" conflict.txt "side version
" "side"
push "$work" origin side
git -C "$work" checkout -q -b mainline origin/main
commit_file "$work" conflict.txt "main version
" "mainline"
commit_file "$work" clean.txt "clean
" "clean"
push "$work" origin mainline
git -C "$work" checkout -q -b clean-merge origin/mainline
git -C "$work" merge -q --no-edit origin/feature >/dev/null
push "$work" origin clean-merge
expect_accepted "a clean merge is accepted"
expect_log "a clean merge of existing branches adds nothing to scan" "files=0 "
git -C "$work" checkout -q -b conflict-merge origin/mainline
git -C "$work" merge -q origin/side >/dev/null 2>&1 || true
printf 'resolved\nOPENAI_API_KEY=%s\n' "$(fake_openai_key)" >"$work/conflict.txt"
git -C "$work" add conflict.txt
git -C "$work" commit -q --no-edit
push "$work" origin conflict-merge
expect_rejected "a key introduced while resolving a merge conflict is found"
expect_output "the merge finding names the line" "conflict.txt:2"

# Renames: content that only moved is not new (the key got in earlier by an audited bypass).
git -C "$work" checkout -q -b moved origin/main
commit_file "$work" keys/old.py "KEY = \"$(fake_openai_key)\"
" "key kept on purpose"
export REMOTE_USER=admin
push "$work" -o "refguard.bypass=test fixture" origin moved
expect_accepted "the key lands by bypass"
unset REMOTE_USER
git -C "$work" mv keys/old.py keys/new.py
git -C "$work" commit -q -m "rename only"
push "$work" origin moved
expect_accepted "a pure rename of a file holding a key is not new content"
cp "$work/keys/new.py" "$work/keys/copy.py"
git -C "$work" add keys/copy.py
git -C "$work" commit -q -m "copy only"
push "$work" origin moved
expect_accepted "an exact copy of an untouched file holding a key is not new content"
printf '# edited\n' >>"$work/keys/copy.py"
git -C "$work" commit -q -am "edit the copy"
push "$work" origin moved
expect_accepted "an edit below the copied key brings only the edit"

# A key in a binary file is found in its text runs (issue 15 item 7).
printf 'KEY=%s\0\1\2binary' "$(fake_openai_key)" >"$work/blob.bin"
git -C "$work" add blob.bin
git -C "$work" commit -q -m "binary with a key"
push "$work" origin moved
expect_rejected "a key in a binary file's text is found"
expect_output "the finding says it was read from binary content" "text in binary file"
git -C "$work" reset -q --hard HEAD^
# Binary files without keys, symlinks and submodule gitlinks cause no errors.
printf 'KEY=value\0\1\2binary' >"$work/blob.bin"
ln -s src/app.py "$work/link.py"
git -C "$work" add blob.bin link.py
git -C "$work" update-index --add --cacheinfo 160000,"$(git -C "$work" rev-parse HEAD)",vendor/sub
git -C "$work" commit -q -m "binary, symlink, gitlink"
push "$work" origin moved
expect_accepted "binary files, symlinks and gitlinks pass without errors"

# A secret added and removed within one push is still found.
commit_file "$work" tmp.py "K = \"$(fake_anthropic_key)\"
" "add"
git -C "$work" rm -q tmp.py && git -C "$work" commit -q -m "remove"
push "$work" origin moved
expect_rejected "a key added then removed in the same push is still rejected"
git -C "$work" reset -q --hard origin/moved

# A repository repacked under the daemon is still read correctly.
git -C "$server" repack -a -d -q
git -C "$server" prune-packed
commit_file "$work" src/app.py "print('hi again')
" "after repack"
push "$work" origin moved
expect_accepted "a push after the server repacked is read correctly"

# Missing objects: a clear error and a rejection, never a silent accept.
# Explode the server's objects to loose files and delete the blob the next diff needs.
blob=$(git -C "$server" rev-parse moved:src/app.py)
git -C "$server" repack -a -d -q
for f in "$server"/objects/pack/pack-*; do mv "$f" "$T/"; done
git -C "$server" unpack-objects -q <"$(ls "$T"/pack-*.pack)"
rm -f "$server/objects/${blob:0:2}/${blob:2}"
commit_file "$work" src/app.py "print('third')
" "needs the old blob"
push "$work" --no-thin origin moved
expect_rejected "a push whose diff needs a missing object is rejected"
expect_output "the error says what is missing" "missing or corrupt"
git -C "$server" unpack-objects -q <"$(ls "$T"/pack-*.pack)"

# The scan cache survives a restart: a re-pushed secret is rejected again from the cache.
git -C "$work" reset -q --hard origin/moved
commit_file "$work" again.py "KEY = \"$(fake_openai_key)\"
" "cached key"
push "$work" origin moved
expect_rejected "a key is rejected"

# Re-pushing rejected work as a new branch after fixing it: the commits before
# the fix were read (commit cache) and scanned (scan cache) by the rejected
# push, so only the fixed commit is diffed and scanned.
git -C "$work" checkout -q -b retry origin/moved
commit_file "$work" src/one.py "one = 1
" "one"
commit_file "$work" src/two.py "two = 2
" "two"
commit_file "$work" src/three.py "KEY = \"$(fake_openai_key)\"
" "three, with a key"
push "$work" origin retry
expect_rejected "work with a key in its last commit is rejected"
expect_log "the rejected push read 3 new commits" "commits=3 files=3"
git -C "$work" reset -q --hard HEAD~1
commit_file "$work" src/three.py "import os
KEY = os.environ['OPENAI_API_KEY']
" "three, key from the environment"
push "$work" origin HEAD:refs/heads/retry-fixed
expect_accepted "the fixed work is accepted as a new branch"
expect_log "the fixed push took the unchanged commits from the commit cache" "commits_known=2"
expect_log "and their files from the scan cache" "files=3 findings=0 cache_hits=2"
git -C "$work" checkout -q moved
stop_daemon
start_daemon --config "$T/policy.toml"
grep -q "scan cache: [1-9][0-9]* entries loaded" "$T/daemon.log" && pass "the scan cache is reloaded after a restart" || fail "scan cache not reloaded"
push "$work" origin moved
expect_rejected "the re-pushed key is still rejected after a restart"
expect_log "the re-push is served from the persisted cache" "cache_hits=1"
stop_daemon
printf 'garbage' >"$T/state/scan-cache.bin"
start_daemon --config "$T/policy.toml"
grep -q "scan-cache.bin is not a refguard scan cache; ignored" "$T/daemon.log" && pass "a corrupt cache file is ignored, not trusted" || fail "corrupt cache not reported"
push "$work" origin moved
expect_rejected "with the cache file corrupt the key is still rejected"

# A push of 1,000+ commits, and a repository with 10,000 refs.
git -C "$work" checkout -q -b bulk origin/main
python3 - "$work" <<'PY'
import subprocess, sys
work = sys.argv[1]
head = subprocess.check_output(["git", "-C", work, "rev-parse", "HEAD"]).decode().strip()
lines = ["feature refs/heads/bulk"]
out = []
for i in range(1100):
    body = f"value_{i} = {i}\n".encode()
    out.append(b"commit refs/heads/bulk\ncommitter Dev <dev@example.test> 1700000000 +0000\n")
    msg = f"bulk {i}".encode()
    out.append(b"data %d\n%s\n" % (len(msg), msg))
    if i == 0:
        out.append(f"from {head}\n".encode())
    out.append(b"M 100644 inline bulk/f%d.py\ndata %d\n%s\n" % (i % 50, len(body), body))
subprocess.run(["git", "-C", work, "fast-import", "--quiet", "--force"], input=b"".join(out), check=True)
PY
git -C "$work" reset -q --hard bulk
python3 -c "
import sys
head=sys.argv[1]
print(''.join(f'create refs/heads/many/b{i} {head}\n' for i in range(10000)), end='')" "$(git -C "$server" rev-parse main)" | git -C "$server" update-ref --stdin
[ "$(git -C "$server" for-each-ref | wc -l)" -gt 10000 ] && pass "the server has 10,000+ refs" || fail "refs not created"
push "$work" origin bulk
expect_accepted "a push of 1,100 commits to a repository with 10,000 refs is accepted"
expect_log "all 1,100 new commits were scanned" "commits=1100 "

finish
