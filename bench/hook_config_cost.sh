#!/usr/bin/env bash
# Issue 14: what asking git for the hook's settings costs. Compares two
# refguard-hook binaries: BEFORE (reads the config files itself, e.g. built
# from fe5558a) and this build's (runs `git config`).
#   1. Start-up, with hyperfine: the hook with empty stdin in a bare repository
#      whose config names (a) an unreachable socket and failMode=accept
#      (start-up, config, connect, fail mode) and (b) the running daemon (an
#      empty push answered); next to them the `git config` query the hook runs,
#      alone, and /bin/true for the cost of any exec. Rounds alternate the two
#      binaries so that machine noise hits both; medians of the rounds.
#      --realtime runs hyperfine (and so the hook and git) under `chrt -f 10`:
#      on a loaded machine, what an idle one would show (no waiting for a CPU).
#   2. Real pushes of one small commit with the pre- and post-receive hooks
#      linked to one binary or the other, alternating; medians of wall time
#      and of the CPU of git and both hooks (bench_lib.sh's `timed`).
#
#   bench/hook_config_cost.sh --before OLD/refguard-hook [--rounds 5] [--runs 200] [--pushes 60] [--realtime] [--keep]
source "$(dirname "$0")/bench_lib.sh"

BEFORE=""
ROUNDS=5
RUNS=200
PUSHES=60
HYPERFINE=(hyperfine)
while [ $# -gt 0 ]; do
  case $1 in
    --before) BEFORE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --pushes) PUSHES=$2; shift 2 ;;
    --realtime) HYPERFINE=(chrt -f 10 hyperfine); shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 --before OLD/refguard-hook [--rounds N] [--runs N] [--pushes N] [--realtime] [--keep]" >&2; exit 2 ;;
  esac
done
[ -x "$BEFORE" ] || { echo "usage: $0 --before OLD/refguard-hook (an executable)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
AFTER=$BIN/refguard-hook

bench_setup hookcfg
start_daemon "$T/daemon.log"
server="$T/server.git"
new_server "$server" install

# hf_round NAME CMD...: one hyperfine run; appends the median wall time (ms) to
# $T/NAME and the mean user+system CPU time (ms, the process and its children)
# to $T/NAME.cpu: CPU time is far less sensitive to other load than wall time.
hf_round() {
  local name=$1
  shift
  "${HYPERFINE[@]}" -N --warmup 20 --runs "$RUNS" --export-json "$T/hf.json" "$*" >/dev/null 2>&1
  python3 - "$T/hf.json" "$T/$name" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
open(sys.argv[2], "a").write("%.3f\n" % (result["median"] * 1000))
open(sys.argv[2] + ".cpu", "a").write("%.3f\n" % ((result["user"] + result["system"]) * 1000))
PY
}
hook_of() { if [ "$1" = after ]; then echo "$AFTER"; else echo "$BEFORE"; fi; }

# 1. Start-up.
cd "$server"
query="git config -z --includes --get-regexp '^refguard\.[^.]*\$'"  # in $server with GIT_DIR=., as the hook runs it
for round in $(seq 1 "$ROUNDS"); do
  say "start-up: round $round of $ROUNDS"
  if [ $((round % 2)) = 1 ]; then order="before after"; else order="after before"; fi
  git config refguard.socket "$T/unreachable.sock"
  git config refguard.failMode accept
  for which in $order; do hf_round "unreachable_$which" "$(hook_of "$which")" pre-receive; done
  git config refguard.socket "$SOCK"
  git config --unset refguard.failMode
  for which in $order; do hf_round "daemon_$which" "$(hook_of "$which")" pre-receive; done
  GIT_DIR=. hf_round query "$query"
  hf_round true /bin/true
done
cd - >/dev/null

# 2. Real pushes.
work="$T/work"
git clone -q "$server" "$work" 2>/dev/null
printf 'print("hello")\n' >"$work/app.py"
git -C "$work" add -A && git -C "$work" commit -q -m "initial"
git -C "$work" push -q origin HEAD:main 2>/dev/null
one_push() {  # one_push before|after: both hooks linked to that binary, a new commit, a timed push
  ln -sfn "$(hook_of "$1")" "$server/hooks/pre-receive"
  ln -sfn "$(hook_of "$1")" "$server/hooks/post-receive"
  echo "print($RANDOM)  # $1" >>"$work/app.py"
  git -C "$work" commit -q -am "change $1"
  timed "$T/push_$1" git -C "$work" push -q origin HEAD:main
}
say "pushes: $PUSHES with each hook, alternating"
for _ in 1 2 3; do one_push before; one_push after; done  # warm-up, not counted
rm -f "$T/push_before" "$T/push_after"
for i in $(seq 1 "$PUSHES"); do
  if [ $((i % 2)) = 0 ]; then one_push before; one_push after; else one_push after; one_push before; fi
done
for which in before after; do
  col "$T/push_$which" 1 >"$T/pushwall_$which"
  col "$T/push_$which" 2 >"$T/pushwall_$which.cpu"
done

row() {  # row LABEL NAME: before, after, added and ratio: medians of wall time, means of CPU time
  local b a bc ac
  b=$(median "$T/$2_before") a=$(median "$T/$2_after")
  bc=$(mean "$T/$2_before.cpu") ac=$(mean "$T/$2_after.cpu")
  echo "| $1 | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.2f", a - b }') | $(ratio "$a" "$b")x" \
       "| $bc | $ac | $(awk -v a="$ac" -v b="$bc" 'BEGIN { printf "%+.2f", a - b }') | $(ratio "$ac" "$bc")x |"
}
cat <<EOF
## The hook asks git for its settings (bench/hook_config_cost.sh --rounds $ROUNDS --runs $RUNS --pushes $PUSHES${HYPERFINE[1]:+ --realtime})
machine: $(machine_line)
before: $BEFORE ($("$BEFORE" --version)); after: $AFTER ($("$AFTER" --version))
| ms (wall: median, CPU: mean) | wall before | wall after | added | after/before | CPU before | CPU after | added | after/before |
|---|---|---|---|---|---|---|---|---|
$(row "hook start-up: unreachable socket, failMode=accept" unreachable)
$(row "hook start-up: empty push answered by the daemon" daemon)
$(row "real push of one small commit (pre- and post-receive)" pushwall)
the query alone (\`$query\`): wall $(median "$T/query") ms, CPU $(mean "$T/query.cpu") ms; /bin/true: wall $(median "$T/true") ms, CPU $(mean "$T/true.cpu") ms
start-up: medians of $ROUNDS rounds of hyperfine ($RUNS runs: its median wall time, its mean user+system CPU of the hook and git); pushes: $PUSHES each, wall and user+sys CPU of git on both sides and the hooks, not the daemon
EOF
