#!/usr/bin/env bash
# Issue 4: a long scan streams progress to the pusher ("refguard: scanned
# 1,200 of 5,000 files"), a few lines a second at most, and the push still
# gets its verdict.
source "$(dirname "$0")/lib.sh"

# Progress every 100 ms (the shortest a policy may ask for), so a scan of a
# few tenths of a second shows it; a budget that lets the scan finish; scan
# windows of 1 MiB, so that a push of two such commits is two windows.
cat >"$T/policy.toml" <<'TOML'
version = 1
[settings]
progress_interval_ms = 100
time_budget_ms = 120000
scan_window_mib = 1
TOML
start_daemon --config "$T/policy.toml"
server=$(new_server app)
git -C "$server" config refguard.timeout 130
work=$(new_clone "$server" work)

# 2,000 distinct files of 150 lines shaped like OpenAI keys but with too
# little entropy to be one: every line passes the prefilter and is checked
# by the rule's pattern and entropy test, so the scan takes a while (about
# half a second here), while git deltas the near-identical files (one
# header line apart) into a small pack.
python3 - "$work" <<'PY'
import os, sys
body = "".join(f'token_{i} = "sk-proj-{"ab" * 30}"  # placeholder\n' for i in range(150))
os.makedirs(os.path.join(sys.argv[1], "conf"))
for f in range(2000):
    with open(os.path.join(sys.argv[1], "conf", f"settings_{f:04d}.py"), "w") as out:
        out.write(f"# settings file {f}\n" + body)
PY
git -C "$work" add conf
git -C "$work" commit -q -m "many settings files"
t0=${EPOCHREALTIME/./}
push "$work" origin HEAD:main
t1=${EPOCHREALTIME/./}
push_ms=$(((t1 - t0) / 1000))
expect_accepted "the large push lands"
progress=$(grep -cE '^remote: refguard: scanned [0-9,]+ of 2,000 files' <<<"$OUT" || true)
if [ "$progress" -ge 1 ]; then pass "the pusher sees $progress progress lines during a ${push_ms} ms push"; else
  fail "no progress line during a ${push_ms} ms push (the daemon logged: $(grep 'push accept' "$T/daemon.log" | tail -1))"
  printf '%s\n' "$OUT" >&2
fi
# Lines come at least 100 ms apart, and all of them inside the push.
if [ "$progress" -le $((push_ms / 100 + 1)) ]; then pass "at most one progress line per 100 ms"; else
  fail "$progress progress lines in ${push_ms} ms"
fi
# The counts only grow, and every one is below the total (the last word is the verdict).
python3 - <<PY && pass "progress counts grow and stay below the total" || fail "progress counts out of order"
import re
counts = [int(m.replace(",", "")) for m in re.findall(r"scanned ([0-9,]+) of 2,000 files", '''$OUT''')]
assert counts == sorted(counts) and all(0 < c < 2000 for c in counts), counts
PY
expect_output "the verdict follows the progress" "push accepted"

# Two more such commits (new content each): a window each. The files of
# later windows are not listed yet, so the line says how far the windows
# listed reach; it still starts "scanned N of M files".
python3 - "$work" <<'PY'
import os, sys
for c in (1, 2):
    body = "".join(f'token_{c}_{i} = "sk-proj-{"cd" * 30}"  # placeholder\n' for i in range(150))
    for f in range(2100):
        with open(os.path.join(sys.argv[1], "conf", f"settings_{f:04d}.py"), "w") as out:
            out.write(f"# settings file {f}, round {c}\n" + body)
    os.system(f"git -C {sys.argv[1]} add -A && git -C {sys.argv[1]} commit -q -m 'round {c}'")
PY
push "$work" origin HEAD:main
expect_accepted "the two-window push lands"
last_check=$(grep "push accept" "$T/daemon.log" | tail -1)
if grep -qF "windows=2 " <<<"$last_check"; then pass "the daemon checked it in two windows"; else
  fail "the daemon checked it in two windows: it logged '$last_check'"
fi
expect_output "progress says how far through the commits the windows reach" "files listed so far (commits 1-1 of 2)"

finish
