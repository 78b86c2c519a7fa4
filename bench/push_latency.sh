#!/usr/bin/env bash
# Push latency (issue 2): wall time of a real `git push` of one small commit
# (one file changed) to a local bare repository with refguard installed and
# the daemon running, against the same push with the hooks switched off
# (core.hooksPath pointing at an empty directory). The two kinds alternate,
# each push with a new commit, so machine noise hits both alike; medians.
# Then the hook's own start-up, with hyperfine: refguard-hook with empty stdin
# (a) against an unreachable socket and failMode=accept, (b) against the
# running daemon, next to (c) /bin/true for the cost of any exec.
#
#   bench/push_latency.sh [--pushes 100] [--keep]
source "$(dirname "$0")/bench_lib.sh"

PUSHES=100
while [ $# -gt 0 ]; do
  case $1 in
    --pushes) PUSHES=$2; shift 2 ;;
    --quick) PUSHES=30; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--pushes N] [--quick] [--keep]" >&2; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

bench_setup latency
start_daemon "$T/daemon.log"
server="$T/server.git"
new_server "$server" install
mkdir -p "$T/nohooks"
work="$T/work"
git clone -q "$server" "$work" 2>/dev/null
mkdir -p "$work/src"
printf 'import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n' >"$work/src/app.py"
git -C "$work" add -A && git -C "$work" commit -q -m "initial"
git -C "$work" push -q origin HEAD:main 2>/dev/null

# one_push KIND: a new one-line commit, then a timed push; appends "wall_ms cpu_ms" to $T/KIND.
one_push() {
  if [ "$1" = hook ]; then git -C "$server" config --unset core.hooksPath || true
  else git -C "$server" config core.hooksPath "$T/nohooks"; fi
  echo "print(client.models.list())  # $RANDOM $1" >>"$work/src/app.py"
  git -C "$work" commit -q -am "change $1"
  timed "$T/$1" git -C "$work" push -q origin HEAD:main
}

say "push latency: $PUSHES pushes with refguard, $PUSHES without, alternating"
for _ in 1 2 3; do one_push hook; one_push nohook; done  # warm-up, not counted
rm -f "$T/hook" "$T/nohook"
daemon_cpu0=$(daemon_cpu_ms "$DAEMON_PID")
for i in $(seq 1 "$PUSHES"); do
  if [ $((i % 2)) = 0 ]; then one_push hook; one_push nohook; else one_push nohook; one_push hook; fi
done
daemon_cpu=$(awk -v a="$daemon_cpu0" -v b="$(daemon_cpu_ms "$DAEMON_PID")" -v n="$PUSHES" 'BEGIN { printf "%.2f", (b - a) / n }')
git -C "$server" config --unset core.hooksPath || true
for kind in hook nohook; do col "$T/$kind" 1 >"$T/$kind.wall"; col "$T/$kind" 2 >"$T/$kind.cpu"; done
read -r hook_med hook_q1 hook_q3 _ < <(stats "$T/hook.wall")
read -r none_med none_q1 none_q3 _ < <(stats "$T/nohook.wall")
hook_cpu=$(mean "$T/hook.cpu") none_cpu=$(mean "$T/nohook.cpu")
added=$(awk -v a="$hook_med" -v b="$none_med" 'BEGIN { printf "%.2f", a - b }')
# The per-push difference of neighbours (hook push minus the no-hook push next to it) is less noisy.
paste "$T/hook.wall" "$T/nohook.wall" | awk '{ print $1 - $2 }' >"$T/diff"
diff_med=$(median "$T/diff")
added_cpu=$(awk -v a="$hook_cpu" -v b="$none_cpu" -v d="$daemon_cpu" 'BEGIN { printf "%.2f", a - b + d }')
checks=$(grep -cE '\bpush (accept|reject)' "$T/daemon.log" || true)
grep -E '\bpush accept' "$T/daemon.log" | grep -oE '[0-9]+ms' | tr -d ms >"$T/check_ms"

say "hook start-up (hyperfine)"
cd "$server"
git config refguard.socket "$T/unreachable.sock"
git config refguard.failMode accept
hyperfine -N --warmup 20 --runs 300 --export-json "$T/hf_unreachable.json" \
  "$BIN/refguard-hook pre-receive" >/dev/null 2>&1
git config refguard.socket "$SOCK"
hyperfine -N --warmup 20 --runs 300 --export-json "$T/hf_daemon.json" "$BIN/refguard-hook pre-receive" >/dev/null 2>&1
hyperfine -N --warmup 20 --runs 300 --export-json "$T/hf_true.json" /bin/true >/dev/null 2>&1
cd - >/dev/null
hf_median() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$1"; }
hf_unreachable=$(hf_median "$T/hf_unreachable.json")
hf_daemon=$(hf_median "$T/hf_daemon.json")
hf_true=$(hf_median "$T/hf_true.json")

verdict=$(awk -v d="$diff_med" 'BEGIN { print (d < 5) ? "PASS" : "FAIL" }')
cat <<EOF
## Push latency (bench/push_latency.sh --pushes $PUSHES)
machine: $(machine_line)
| push of 1 small commit (1 file) | wall median ms | p25 | p75 | CPU ms (git + hooks), mean |
|---|---|---|---|---|
| no hook | $none_med | $none_q1 | $none_q3 | $none_cpu |
| refguard (daemon running) | $hook_med | $hook_q1 | $hook_q3 | $hook_cpu |
added by refguard, wall: $added ms (difference of medians), $diff_med ms (median of paired differences); target < 5 ms: $verdict
added by refguard, CPU: $added_cpu ms a push (hooks' CPU $(awk -v a="$hook_cpu" -v b="$none_cpu" 'BEGIN { printf "%.2f", a - b }') ms + daemon's $daemon_cpu ms), what the wall time would approach on an idle machine
daemon's own check (log, ms resolution): median $(median "$T/check_ms") ms over $checks checks
hook start-up (hyperfine -N, 300 runs, median): unreachable socket + failMode=accept $hf_unreachable ms; empty push to the running daemon $hf_daemon ms; /bin/true $hf_true ms
EOF
