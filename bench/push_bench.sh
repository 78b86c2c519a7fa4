#!/usr/bin/env bash
# Push benchmarks (issue 4), on histories from bench/gen_ai_repo.py:
#  (a) incremental push (1 commit, 5 files) to a small and to a large
#      repository (20,000 commits, 10,000 refs), with and without refguard,
#      interleaved; medians and the large/small ratio;
#  (b) the whole large history pushed to an empty repository with refguard
#      (cold daemon): push wall time, the daemon's own check time, MB of added
#      lines per second, beside `git log -p --all >/dev/null` on that history;
#  (c) after that push is rejected (a fake key in one extra commit), the same
#      history with the key fixed pushed as a new branch: first/second ratio;
#  (d) the daemon's peak memory (VmHWM) serving pushes to many different
#      small repositories with --repo-cache 64, after N/5 and after N repos.
#
#   bench/push_bench.sh [--quick] [--keep] [--only a,b,c,d]
# Full run: ~3 minutes on 2 cores; --quick: smaller sizes.
source "$(dirname "$0")/bench_lib.sh"

SMALL_COMMITS=200 LARGE_COMMITS=20000 LARGE_REFS=10000 INCR_PUSHES=15 WHOLE_RUNS=3 REPOS=1000 GITLOG_RUNS=3
MODE=full
ONLY=a,b,c,d
while [ $# -gt 0 ]; do
  case $1 in
    --quick) MODE=quick SMALL_COMMITS=200 LARGE_COMMITS=4000 LARGE_REFS=2000 INCR_PUSHES=10 WHOLE_RUNS=1 REPOS=300
      GITLOG_RUNS=1; shift ;;
    --keep) KEEP=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--keep] [--only a,b,c,d]" >&2; exit 2 ;;
  esac
done
REPOS_MID=$((REPOS / 5))
want() { [[ ",$ONLY," == *",$1,"* ]]; }
bench_setup push
OUT="$T/results.md"
started_all=$SECONDS

FLAGS=""
[ "$MODE" = quick ] && FLAGS+=" --quick"
[ "$ONLY" = a,b,c,d ] || FLAGS+=" --only $ONLY"
echo "## Push benchmarks (bench/push_bench.sh$FLAGS)" >"$OUT"
echo "machine: $(machine_line)" >>"$OUT"

# --- the histories -----------------------------------------------------------
say "generating: small ($SMALL_COMMITS commits), large ($LARGE_COMMITS commits, $LARGE_REFS refs)"
t0=$SECONDS
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/small-src" --commits "$SMALL_COMMITS" --refs 20 --seed 11 --key-rate 0
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/large-src" --commits "$LARGE_COMMITS" --refs "$LARGE_REFS" --seed 12 \
  --key-rate 0
echo "generation: $((SECONDS - t0)) s" >>"$OUT"

# Pushes of the large history check everything: give them the time a history
# import needs. Only the system policy may set the budget (a repository's
# refguard.toml may not: it is refused), and the hook's own timeout follows.
printf '[settings]\ntime_budget_ms = 600000\n' >"$T/long-budget.toml"
long_budget() {  # long_budget SERVER
  git -C "$1" config refguard.timeout 900
}

# --- (a) incremental pushes ------------------------------------------------------
if want a; then
  say "(a) incremental pushes: $INCR_PUSHES per kind, small/large x refguard/no hook"
  start_daemon "$T/daemon-a.log" --config "$T/long-budget.toml"
  mkdir -p "$T/nohooks"
  for size in small large; do
    git clone -q --bare "$T/$size-src" "$T/$size.git"
    "$BIN/refguard" install --socket "$SOCK" "$T/$size.git" >/dev/null
    # The default 4 s budget rejects slow checks; lift it to measure their real length
    # (checks over 4000 ms are counted below: those pushes are rejected by default).
    long_budget "$T/$size.git"
    git clone -q "$T/$size.git" "$T/$size-work"
    mkdir -p "$T/$size-work/bench"
    for f in 1 2 3 4 5; do sed -n '1,60p' "$BENCH_DIR/gen_ai_repo.py" >"$T/$size-work/bench/f$f.py"; done
    git -C "$T/$size-work" add -A && git -C "$T/$size-work" commit -q -m "bench files"
    git -C "$T/$size-work" push -q origin HEAD:main 2>/dev/null
  done
  # incr SIZE KIND: one commit changing 5 files, one timed push; ms to $T/a-SIZE-KIND.
  incr() {
    local server="$T/$1.git" work="$T/$1-work" f t0 t1
    if [ "$2" = hook ]; then git -C "$server" config --unset core.hooksPath || true
    else git -C "$server" config core.hooksPath "$T/nohooks"; fi
    for f in 1 2 3 4 5; do
      printf '\n\ndef step_%s_%s(prompt: str) -> str:\n    return client.responses.create(model="gpt-4o", input=prompt).output_text\n' \
        "$RANDOM" "$f" >>"$work/bench/f$f.py"
    done
    git -C "$work" commit -q -am "incremental $2"
    # git's trace2 events time each hook it runs (child_class "hook"): the
    # hooks' own wall time, free of the jitter of git's ref advertisement.
    rm -f "$T/trace.json"
    if ! GIT_TRACE2_EVENT="$T/trace.json" timed "$T/a-$1-$2" git -C "$work" push -q origin HEAD:main; then
      echo "$1 $2" >>"$T/a-rejected"  # keep every push one commit: drop the rejected one
      git -C "$work" reset -q --hard origin/main
    fi
    [ "$2" = hook ] && hook_ms "$T/trace.json" >>"$T/a-$1-hooks"
    return 0
  }
  # hook_ms TRACE: milliseconds the hooks of one push ran (pre- plus post-receive).
  hook_ms() {
    python3 - "$1" <<'PY'
import json, sys
starts, total = set(), 0.0
for line in open(sys.argv[1]):
    e = json.loads(line)
    key = (e.get("sid"), e.get("child_id"))
    if e["event"] == "child_start" and e.get("child_class") == "hook":
        starts.add(key)
    elif e["event"] == "child_exit" and key in starts:
        total += e["t_rel"]
print("%.2f" % (total * 1000))
PY
  }
  for _ in 1 2; do incr small hook; incr large hook; incr small nohook; incr large nohook; done  # warm-up
  rm -f "$T"/a-*
  : >"$T/a-rejected"
  for i in $(seq 1 "$INCR_PUSHES"); do
    if [ $((i % 2)) = 0 ]; then incr small hook; incr large hook; incr small nohook; incr large nohook
    else incr large nohook; incr small nohook; incr large hook; incr small hook; fi
  done
  for size in small large; do
    git -C "$T/$size.git" config --unset core.hooksPath || true
    grep -E "\bpush (accept|reject) repo=$T/$size.git " "$T/daemon-a.log" | tail -n "$INCR_PUSHES" |
      grep -oE '[0-9]+ms' | tr -d ms >"$T/a-$size-check"
    for kind in hook nohook; do
      col "$T/a-$size-$kind" 1 >"$T/a-$size-$kind.wall"
      col "$T/a-$size-$kind" 2 >"$T/a-$size-$kind.cpu"
    done
    paste "$T/a-$size-hook.wall" "$T/a-$size-nohook.wall" | awk '{ print $1 - $2 }' >"$T/a-$size-added"
  done
  stop_daemon
  read -r sh_m sh_1 sh_3 _ < <(stats "$T/a-small-hook.wall")
  read -r sn_m sn_1 sn_3 _ < <(stats "$T/a-small-nohook.wall")
  read -r lh_m lh_1 lh_3 _ < <(stats "$T/a-large-hook.wall")
  read -r ln_m ln_1 ln_3 _ < <(stats "$T/a-large-nohook.wall")
  over_budget() { awk '$1 > 4000 { n++ } END { print n + 0 }' "$1"; }
  s_add=$(median "$T/a-small-added") l_add=$(median "$T/a-large-added")
  s_chk=$(median "$T/a-small-check") l_chk=$(median "$T/a-large-check")
  r_wall=$(ratio "$lh_m" "$sh_m")
  s_hooks=$(median "$T/a-small-hooks") l_hooks=$(median "$T/a-large-hooks")
  r_hooks=$(ratio "$l_hooks" "$s_hooks")
  {
    echo "### (a) incremental push, 1 commit x 5 files ($INCR_PUSHES pushes per cell, interleaved)"
    echo "small: $SMALL_COMMITS commits; large: $LARGE_COMMITS commits, $LARGE_REFS refs"
    echo "| repository | no hook: wall median (p25-p75) ms | refguard: wall median (p25-p75) ms | added by refguard (median of paired diffs) | daemon check (log), median | checks > 4000 ms (rejected by the default budget) |"
    echo "|---|---|---|---|---|---|"
    echo "| small | $sn_m ($sn_1-$sn_3) | $sh_m ($sh_1-$sh_3) | $s_add ms | $s_chk ms | $(over_budget "$T/a-small-check") of $INCR_PUSHES |"
    echo "| large | $ln_m ($ln_1-$ln_3) | $lh_m ($lh_1-$lh_3) | $l_add ms | $l_chk ms | $(over_budget "$T/a-large-check") of $INCR_PUSHES |"
    echo "CPU of git + hooks, mean ms: small $(mean "$T/a-small-nohook.cpu") / $(mean "$T/a-small-hook.cpu"), large $(mean "$T/a-large-nohook.cpu") / $(mean "$T/a-large-hook.cpu") (no hook / refguard); pushes rejected: $(wc -l <"$T/a-rejected")"
    echo "refguard's hooks (pre- + post-receive, git's trace2 timing), median ms: small $s_hooks, large $l_hooks"
    echo "large/small, refguard's hooks: ${r_hooks}x (target <= 1.5x: $(awk -v r="$r_hooks" 'BEGIN { print (r <= 1.5) ? "PASS" : "FAIL" }')); refguard's added wall time: $(ratio "$l_add" "$s_add")x; the push as a whole: ${r_wall}x, git's own without a hook: $(ratio "$ln_m" "$sn_m")x"
    echo
  } >>"$OUT"
fi

# --- (b) and (c): the whole history -----------------------------------------------
history_facts() {
  local patch_bytes added_bytes blob_bytes
  patch_bytes=$(git -C "$T/large-src" log -p --all --no-color | wc -c)
  added_bytes=$(git -C "$T/large-src" log -p --no-color --format= main | awk '
    /^@@/ { h = 1; next } h && /^[-+ \\]/ { if (substr($0, 1, 1) == "+") n += length($0); next } { h = 0 } END { print n + 0 }')
  blob_bytes=$(git -C "$T/large-src" rev-list --objects main | cut -d' ' -f1 | git -C "$T/large-src" cat-file --batch-check='%(objecttype) %(objectsize)' |
    awk '$1 == "blob" { n += $2 } END { print n + 0 }')
  echo "$patch_bytes $added_bytes $blob_bytes"
}

if want b || want c; then
  read -r PATCH_BYTES ADDED_BYTES BLOB_BYTES < <(history_facts)
  added_mb=$(awk -v b="$ADDED_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
  say "git log -p --all >/dev/null: $GITLOG_RUNS runs"
  for _ in $(seq 1 "$GITLOG_RUNS"); do
    t0=${EPOCHREALTIME/./}
    git -C "$T/large-src" log -p --all --no-color >/dev/null
    t1=${EPOCHREALTIME/./}
    us_to_ms $((t1 - t0)) >>"$T/gitlog"
  done
  gitlog_ms=$(median "$T/gitlog")
fi

if want b; then
  say "(b) whole history to an empty repository: $WHOLE_RUNS cold runs"
  for r in $(seq 1 "$WHOLE_RUNS"); do
    start_daemon "$T/daemon-b$r.log" --config "$T/long-budget.toml" --state-dir "$T/state-b$r"  # cold caches
    new_server "$T/whole-$r.git" install
    long_budget "$T/whole-$r.git"
    cpu0=$(daemon_cpu_ms "$DAEMON_PID")
    t0=${EPOCHREALTIME/./}
    git -C "$T/large-src" push -q "$T/whole-$r.git" main 2>>"$T/push-b.err" || echo "push (b) $r was rejected" >&2
    t1=${EPOCHREALTIME/./}
    us_to_ms $((t1 - t0)) >>"$T/b-push"
    echo $(($(daemon_cpu_ms "$DAEMON_PID") - cpu0)) >>"$T/b-cpu"
    daemon_check_ms "$T/daemon-b$r.log" >>"$T/b-check"
    vm_kib "$DAEMON_PID" VmHWM >>"$T/b-hwm"
    stop_daemon
    new_server "$T/whole-none-$r.git"
    t0=${EPOCHREALTIME/./}
    git -C "$T/large-src" push -q "$T/whole-none-$r.git" main 2>>"$T/push-b.err"
    t1=${EPOCHREALTIME/./}
    us_to_ms $((t1 - t0)) >>"$T/b-none"
    rm -rf "$T/whole-$r.git" "$T/whole-none-$r.git"
  done
  b_push=$(median "$T/b-push") b_check=$(median "$T/b-check") b_none=$(median "$T/b-none")
  {
    echo "### (b) whole history ($LARGE_COMMITS commits) pushed to an empty repository, cold daemon (median of $WHOLE_RUNS)"
    echo "history: git log -p --all = $(awk -v b="$PATCH_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB of patch text, $added_mb MB of added lines, $(awk -v b="$BLOB_BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB of distinct blobs"
    echo "| | ms | MB of added lines / s |"
    echo "|---|---|---|"
    echo "| git log -p --all >/dev/null (median of $GITLOG_RUNS) | $gitlog_ms | $(awk -v b="$ADDED_BYTES" -v t="$gitlog_ms" 'BEGIN { printf "%.1f", b / 1e3 / t }') |"
    echo "| push, no hook | $b_none | |"
    echo "| push with refguard (wall) | $b_push | $(awk -v b="$ADDED_BYTES" -v t="$b_push" 'BEGIN { printf "%.1f", b / 1e3 / t }') |"
    echo "| refguard's check (daemon log) | $b_check | $(awk -v b="$ADDED_BYTES" -v t="$b_check" 'BEGIN { printf "%.1f", b / 1e3 / t }') |"
    echo "| refguard daemon CPU during the push (all threads) | $(median "$T/b-cpu") | |"
    echo "runs (ms): push $(paste -sd' ' "$T/b-push"); check $(paste -sd' ' "$T/b-check"); daemon CPU $(paste -sd' ' "$T/b-cpu"); git log -p $(paste -sd' ' "$T/gitlog")"
    echo "refguard check / git log -p: $(ratio "$b_check" "$gitlog_ms")x (target <= 1x: $(awk -v a="$b_check" -v b="$gitlog_ms" 'BEGIN { print (a <= b) ? "PASS" : "FAIL" }')); push with refguard / without: $(ratio "$b_push" "$b_none")x; daemon VmHWM after the push: $(median "$T/b-hwm") KiB"
    echo
  } >>"$OUT"
fi

if want c; then
  say "(c) rejected whole-history push, then the fixed history as a new branch"
  src="$T/large-src"
  rand74() { head -c 400 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | cut -c1-74; }  # no SIGPIPE under pipefail
  key="sk-proj-$(rand74)T3BlbkFJ$(rand74)"
  git -C "$src" checkout -q -b withkey main
  mkdir -p "$src/src/app"
  printf 'from openai import OpenAI\n\nclient = OpenAI(api_key="%s")\n' "$key" >"$src/src/app/leaky_client.py"
  git -C "$src" add -A && git -C "$src" commit -q -m "Add leaky client"
  git -C "$src" checkout -q -b fixed main
  printf 'import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n' \
    >"$src/src/app/leaky_client.py"
  git -C "$src" add -A && git -C "$src" commit -q -m "Add client reading the key from the environment"
  git -C "$src" checkout -q main
  for r in $(seq 1 "$WHOLE_RUNS"); do
    start_daemon "$T/daemon-c$r.log" --config "$T/long-budget.toml" --state-dir "$T/state-c$r"
    new_server "$T/rej-$r.git" install
    long_budget "$T/rej-$r.git"
    cpu0=$(daemon_cpu_ms "$DAEMON_PID")
    t0=${EPOCHREALTIME/./}
    if git -C "$src" push -q "$T/rej-$r.git" withkey:refs/heads/main 2>>"$T/push-c.err"; then
      echo "(c) the push with a key was NOT rejected" >&2
    fi
    t1=${EPOCHREALTIME/./}
    us_to_ms $((t1 - t0)) >>"$T/c-first"
    cpu1=$(daemon_cpu_ms "$DAEMON_PID")
    echo $((cpu1 - cpu0)) >>"$T/c-first-cpu"
    daemon_check_ms "$T/daemon-c$r.log" >>"$T/c-first-check"
    t0=${EPOCHREALTIME/./}
    git -C "$src" push -q "$T/rej-$r.git" fixed:refs/heads/retry 2>>"$T/push-c.err" || echo "(c) the fixed push was rejected" >&2
    t1=${EPOCHREALTIME/./}
    us_to_ms $((t1 - t0)) >>"$T/c-second"
    echo $(($(daemon_cpu_ms "$DAEMON_PID") - cpu1)) >>"$T/c-second-cpu"
    daemon_check_ms "$T/daemon-c$r.log" >>"$T/c-second-check"
    grep -E '\bpush (accept|reject)' "$T/daemon-c$r.log" >>"$T/c-lines"
    stop_daemon
    rm -rf "$T/rej-$r.git"
  done
  c1=$(median "$T/c-first") c2=$(median "$T/c-second") c1c=$(median "$T/c-first-check") c2c=$(median "$T/c-second-check")
  {
    echo "### (c) re-push after a rejection (median of $WHOLE_RUNS)"
    echo "| | first push (rejected, cold) | same history, key fixed, as a new branch | ratio |"
    echo "|---|---|---|---|"
    echo "| push wall ms | $c1 | $c2 | $(ratio "$c1" "$c2")x |"
    echo "| daemon check ms | $c1c | $c2c | $(ratio "$c1c" "$c2c")x |"
    c1u=$(median "$T/c-first-cpu") c2u=$(median "$T/c-second-cpu")
    echo "| daemon CPU ms (all threads) | $c1u | $c2u | $(ratio "$c1u" "$c2u")x |"
    echo "target >= 20x faster: wall $(awk -v a="$c1" -v b="$c2" 'BEGIN { print (a >= 20 * b) ? "PASS" : "FAIL" }'), daemon check $(awk -v a="$c1c" -v b="$c2c" 'BEGIN { print (b == 0 || a >= 20 * b) ? "PASS" : "FAIL" }')"
    echo '```'
    sed -E 's/^.*(push (accept|reject))/\1/; s#repo=[^ ]*/#repo=.../#' "$T/c-lines"
    echo '```'
    echo
  } >>"$OUT"
fi

# --- (d) daemon memory over many repositories ---------------------------------------
if want d; then
  say "(d) $REPOS small repositories: generating"
  # Thousands of tiny repositories: on tmpfs when there is one (deleting them
  # from a discard-mounted ext4 takes minutes); this part measures memory, not I/O.
  if [ -w /dev/shm ]; then MANY=$(mktemp -d /dev/shm/refguard-many.XXXXXX); else MANY="$T/many"; mkdir -p "$MANY"; fi
  t0=$SECONDS
  python3 - "$BENCH_DIR" "$MANY" "$REPOS" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import gen_ai_repo
for i in range(int(sys.argv[3])):
    gen_ai_repo.generate(f"{sys.argv[2]}/src{i}.git", commits=4, seed=1000 + i, key_rate=0, bare=True, quiet=True)
PY
  say "(d) generated in $((SECONDS - t0)) s; pushing"
  start_daemon "$T/daemon-d.log" --repo-cache 64
  hwm0=$(vm_kib "$DAEMON_PID" VmHWM) rss0=$(vm_kib "$DAEMON_PID" VmRSS)
  t0=$SECONDS
  for i in $(seq 0 $((REPOS - 1))); do
    new_server "$MANY/srv$i.git" install
    git -C "$MANY/src$i.git" push -q "$MANY/srv$i.git" main 2>>"$T/push-d.err" || echo "push to repo $i failed" >&2
    if [ $((i + 1)) = "$REPOS_MID" ]; then
      hwm_mid=$(vm_kib "$DAEMON_PID" VmHWM) rss_mid=$(vm_kib "$DAEMON_PID" VmRSS)
      status_mid=$("$BIN/refguard" status --socket "$SOCK" --json)
    fi
  done
  hwm_end=$(vm_kib "$DAEMON_PID" VmHWM) rss_end=$(vm_kib "$DAEMON_PID" VmRSS)
  status_end=$("$BIN/refguard" status --socket "$SOCK" --json)
  d_secs=$((SECONDS - t0))
  stop_daemon
  [ "$KEEP" = 1 ] || rm -rf "$MANY"
  cache_of() { python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("scan cache %d entries / %d KiB, %d repositories open" % (s["scan_cache"]["entries"], s["scan_cache"]["bytes"] // 1024, s["repository_cache"]["open"]))' "$1"; }
  growth=$(awk -v a="$hwm_mid" -v b="$hwm_end" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
  {
    echo "### (d) daemon memory, --repo-cache 64, default scan cache, $REPOS repositories (4 commits each) in $d_secs s"
    echo "| after | VmHWM KiB | VmRSS KiB | |"
    echo "|---|---|---|---|"
    echo "| start | $hwm0 | $rss0 | |"
    echo "| $REPOS_MID repos | $hwm_mid | $rss_mid | $(cache_of "$status_mid") |"
    echo "| $REPOS repos | $hwm_end | $rss_end | $(cache_of "$status_end") |"
    echo "VmHWM growth from $REPOS_MID to $REPOS repos: $growth % ($(awk -v g="$growth" 'BEGIN { print (g <= 10) ? "bounded" : "GROWING" }'))"
    echo
  } >>"$OUT"
fi

echo "total: $((SECONDS - started_all)) s" >>"$OUT"
cat "$OUT"
