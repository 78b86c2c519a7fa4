#!/usr/bin/env bash
# Cost and memory of a whole history (issue 18, part 2), for several history
# sizes from bench/gen_ai_repo.py: wall time, CPU time and peak memory of
# `git log -p --all >/dev/null` and of the offline whole-history scan
# `refguard scan --repo REPO --format json` (exit status 0 or 1), and the
# refguard/git ratios. Each run does both, git first on odd runs and refguard
# first on even ones, so that a loaded machine slows both alike; medians. One
# table per size, then a summary of how each grows with the history.
#   --push: also, each run, the whole history (every branch and tag) pushed to
#   an empty bare repository with refguard's hooks and a fresh daemon (cold
#   caches, its own state directory; time_budget_ms = 600000 and
#   refguard.timeout = 900 as in push_bench.sh (b)): the push's wall time and
#   git + hooks CPU, the daemon's check time (its log), CPU (all threads),
#   VmHWM and peak anonymous RSS.
# Peak memory, two numbers: the peak RSS (GNU time's %M if /usr/bin/time is
# GNU time, else os.wait4's ru_maxrss) and the peak anonymous RSS (RssAnon in
# /proc, sampled every 10 ms). The RSS counts the pages of the mmapped pack
# files that were read (git and libgit2 map packs), so it grows with the
# pack; the anonymous part is the heap.
#
# Shapes (the two corpora of the issue):
#   framework (default): an agent framework: text-heavy, tens of thousands of
#     commits, thousands of refs (commits/7: 4,000 at 28,000), a few images
#     (--media-rate 0.01); sizes 1000,4000,16000,28000 (--quick: 500,2000);
#   cookbook: an AI cookbook: large notebooks with real PNG outputs
#     (--large-notebooks), images and other binary files (--media-rate 0.15:
#     PNG, JPEG, zip, PDF), few refs (commits/50); a few hundred commits hold
#     hundreds of MB, so sizes 250,500,1000,2000 (--quick: 500,2000).
#
#   bench/history_scale.sh [--shape framework|cookbook] [--sizes N,N,...] [--refs M,M,...]
#                          [--runs R] [--quick] [--push] [--repack] [--keep]
# --repack: the generated history repacked as a clone from a forge is
# (`git repack -adf`, git's default window 10 and depth 50): one pack of
# deep delta chains in recency order. git fast-import's pack holds objects
# in the order they were made, which hides what the order of reading costs.
# --quick: 1 run, the quick sizes (an explicit --sizes or --runs wins).
# HISTORY_SCALE_RUSAGE=python: peak RSS from os.wait4 even where GNU time is.
# Times measured on 2 shared cores: framework --quick 5 s (--push: 7 s);
# cookbook --quick 1 min (--push: 1.5 min, most of it generating 2,000
# commits); the default sizes with --runs 1 --push: framework 91 s, cookbook
# 134 s (3 runs: about three times that).
source "$(dirname "$0")/bench_lib.sh"

CMDLINE="bench/history_scale.sh${*:+ $*}"
SHAPE=framework SIZES="" REFS="" RUNS="" QUICK=0 PUSH=0 REPACK=0
usage() {
  echo "usage: $0 [--shape framework|cookbook] [--sizes N,N,...] [--refs M,M,...] [--runs R] [--quick] [--push] [--repack] [--keep]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in --shape | --sizes | --refs | --runs) [ $# -ge 2 ] || usage ;; esac
  case $1 in
    --shape) SHAPE=${2:-}; shift 2 ;;
    --sizes) SIZES=${2:-}; shift 2 ;;
    --refs) REFS=${2:-}; shift 2 ;;
    --runs) RUNS=${2:-}; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --push) PUSH=1; shift ;;
    --repack) REPACK=1; shift ;;
    --keep) KEEP=1; shift ;;
    *) usage ;;
  esac
done
case $SHAPE in
  framework) SEED=28 REFS_DIV=7 GEN_ARGS=(--media-rate 0.01) FULL_SIZES=1000,4000,16000,28000 ;;
  cookbook) SEED=29 REFS_DIV=50 GEN_ARGS=(--media-rate 0.15 --large-notebooks) FULL_SIZES=250,500,1000,2000 ;;
  *) usage ;;
esac
if [ "$QUICK" = 1 ]; then SIZES=${SIZES:-500,2000} RUNS=${RUNS:-1}; fi
SIZES=${SIZES:-$FULL_SIZES} RUNS=${RUNS:-3}
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
IFS=, read -r -a REF_LIST <<<"$REFS"
[ "${#REF_LIST[@]}" = 0 ] || [ "${#REF_LIST[@]}" = "${#SIZE_LIST[@]}" ] || { echo "--refs needs one count per size" >&2; exit 2; }
for n in "${SIZE_LIST[@]}" "${REF_LIST[@]}" "$RUNS"; do [[ $n =~ ^[0-9]+$ ]] || usage; done
[ "$RUNS" -ge 1 ] || usage

bench_setup history
# The binaries are copied: a build writing $BIN during the run changes nothing here.
mkdir -p "$T/bin"
cp "$BIN/refguard" "$BIN/refguardd" "$BIN/refguard-hook" "$T/bin/"
BIN=$T/bin
OUT="$T/results.md"
started_all=$SECONDS

# --- measuring --------------------------------------------------------------------
# measure.py run FILE CMD...: runs CMD; appends "wall_ms cpu_ms maxrss_kib anon_kib rc" to FILE
# and exits with CMD's status. CPU (user + sys) and peak RSS (the command and its
# waited-for children) come from os.wait4, the peak RSS from GNU time's %M when
# /usr/bin/time is GNU time (else from os.wait4 too). anon_kib: the highest RssAnon (heap, not file pages such as
# the mmapped pack files, which count in the RSS too) of the command, read
# from /proc every 10 ms.
# measure.py watch PID STOPFILE FILE: the same sampling of a running process
# (the daemon) until STOPFILE exists; appends "anon_kib" to FILE.
if [ "${HISTORY_SCALE_RUSAGE:-}" != python ] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
  GNU_TIME=1 RUSAGE="GNU time (its floor: ~1 MiB)"
else
  GNU_TIME=0 RUSAGE="os.wait4 (its floor: the ~8 MiB of the python3 that starts the command, which the kernel counts at exec)"
fi
cat >"$T/measure.py" <<'PY'
import os, sys, threading, time

def anon_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None

def child_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None

if sys.argv[1] == "watch":
    pid, stop, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    peak = 0
    while not os.path.exists(stop):
        peak = max(peak, anon_kib(pid) or 0)
        time.sleep(0.01)
    with open(out, "a") as f:
        f.write("%d\n" % peak)
    sys.exit(0)

out, cmd = sys.argv[2], sys.argv[3:]
gnu = os.environ["HS_GNU_TIME"] == "1"
rusage_file = os.environ["HS_RUSAGE_FILE"]
argv = ["/usr/bin/time", "-f", "%M", "-o", rusage_file] + cmd if gnu else cmd
peak, finished = [0], threading.Event()

def sample(pid):  # the command's RssAnon, every 10 ms (under GNU time: time's child)
    target = None if gnu else pid
    while not finished.wait(0.01):
        target = target or child_of(pid)
        if target:
            peak[0] = max(peak[0], anon_kib(target) or 0)

t0 = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
sampler = threading.Thread(target=sample, args=(pid,), daemon=True)
sampler.start()
_, status, ru = os.wait4(pid, 0)
wall = (time.perf_counter() - t0) * 1000
finished.set()
sampler.join()
cpu = (ru.ru_utime + ru.ru_stime) * 1000  # under GNU time: its own ~1 ms too, at 1 us resolution (its %U %S: 10 ms)
maxrss = ru.ru_maxrss
if gnu:  # the command's alone; a failing command adds a "Command exited with non-zero status" line first
    maxrss = int(open(rusage_file).read().split("\n")[-2])
rc = os.waitstatus_to_exitcode(status)
with open(out, "a") as f:
    f.write("%.3f %.3f %d %d %d\n" % (wall, cpu, maxrss, peak[0], rc))
sys.exit(rc)
PY
measure() {  # measure FILE CMD...
  HS_GNU_TIME=$GNU_TIME HS_RUSAGE_FILE="$T/rusage" python3 -I -S "$T/measure.py" run "$@" 2>>"$T/cmd.err"
}

# --- one size ------------------------------------------------------------------
fmt_int() { printf '%.0f' "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }  # 12345.6 -> 12,346
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

printf '[settings]\ntime_budget_ms = 600000\n' >"$T/long-budget.toml"

run_git() {  # run_git REPO PREFIX
  measure "$2-git" git -C "$1" log -p --all >/dev/null || { echo "git log -p failed" >&2; tail "$T/cmd.err" >&2; exit 1; }
}
run_refguard() {  # run_refguard REPO PREFIX
  local rc=0
  measure "$2-rg" "$BIN/refguard" scan --repo "$1" --format json >"$T/scan.json" || rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    echo "refguard scan exited with $rc" >&2; tail "$T/cmd.err" >&2; exit 1
  fi
}
run_push() {  # run_push REPO PREFIX RUN: the whole history to an empty repository, fresh daemon
  local server="$T/server.git" log="$T/daemon-$3.log" cpu0 watcher
  rm -rf "$server" "$T/state-push" "$T/stop-watch"
  start_daemon "$log" --config "$T/long-budget.toml" --state-dir "$T/state-push"
  new_server "$server" install
  git -C "$server" config refguard.timeout 900
  vm_kib "$DAEMON_PID" VmHWM >>"$2-dhwm0"
  python3 -I -S "$T/measure.py" watch "$DAEMON_PID" "$T/stop-watch" "$2-danon" &
  watcher=$!
  cpu0=$(daemon_cpu_ms "$DAEMON_PID")
  timed "$2-push" git -C "$1" push -q "$server" 'refs/heads/*:refs/heads/*' 'refs/tags/*:refs/tags/*' ||
    echo "push run $3 was rejected (see $log)" >&2
  echo $(($(daemon_cpu_ms "$DAEMON_PID") - cpu0)) >>"$2-dcpu"
  vm_kib "$DAEMON_PID" VmHWM >>"$2-dhwm"
  touch "$T/stop-watch"
  wait "$watcher"
  daemon_check_ms "$log" >>"$2-dcheck"
  grep -E '\bpush (accept|reject)' "$log" | tail -n 1 | sed -E 's/^.*(verdict=)/\1/' >"$2-dline"
  stop_daemon
  rm -rf "$server" "$T/state-push"
}

cell() { median <(col "$1" "$2"); }  # cell FILE COL: median of column COL
runs_of() { col "$1" "$2" | awk -v d="${3:-1}" '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 / d }'; }  # runs_of FILE COL [DIV]
mem() { echo "$(mib "$1") ($(mib "$2"))"; }  # mem RSS_KIB ANON_KIB

echo "## Cost and memory of a whole history ($CMDLINE)" | tee "$OUT"
{
  echo "machine: $(machine_line)"
  echo "refguard: $("$BIN/refguard" --version 2>&1 | head -n 1) from $BUILD/bin; shape $SHAPE (gen_ai_repo.py --seed $SEED --key-rate 0 ${GEN_ARGS[*]}); $RUNS run(s) per size, medians; peak RSS by $RUSAGE, peak anonymous RSS (RssAnon) sampled every 10 ms$([ "$REPACK" = 1 ] && echo "; repacked (git repack -adf, depth 50, window 10)")"
  echo
} | tee -a "$OUT"
# refguard's fixed cost (policy and rule database set-up): the scan of a 1-commit history.
python3 "$BENCH_DIR/gen_ai_repo.py" --out "$T/one.git" --bare --commits 1 --seed "$SEED" --key-rate 0 2>>"$T/gen.log"
for _ in 1 2 3; do run_refguard "$T/one.git" "$T/m-one"; done
{
  echo "refguard scan of a 1-commit history (its fixed start-up cost), median of 3: $(fmt_int "$(cell "$T/m-one-rg" 1)") ms wall, $(fmt_int "$(cell "$T/m-one-rg" 2)") ms CPU, peak RSS (anonymous) $(mem "$(cell "$T/m-one-rg" 3)" "$(cell "$T/m-one-rg" 4)") MiB"
  echo
} | tee -a "$OUT"
SUMMARY="$T/summary.md"
{
  echo -n "| commits | refs | patch MB | objects MiB | git wall ms | refguard wall ms | wall ratio | git CPU ms | refguard CPU ms | CPU ratio | git peak RSS (anon) MiB | refguard peak RSS (anon) MiB |"
  [ "$PUSH" = 1 ] && echo -n " push: daemon check ms | daemon CPU ms | daemon VmHWM (anon) MiB |"
  echo
  echo -n "|---|---|---|---|---|---|---|---|---|---|---|---|"
  [ "$PUSH" = 1 ] && echo -n "---|---|---|"
  echo
} >"$SUMMARY"

for i in "${!SIZE_LIST[@]}"; do
  commits=${SIZE_LIST[$i]}
  refs=${REF_LIST[$i]:-$((commits / REFS_DIV))}
  repo="$T/h-$commits.git"
  P="$T/m-$commits"
  say "$commits commits, $refs refs: generating"
  t0=$SECONDS
  python3 "$BENCH_DIR/gen_ai_repo.py" --out "$repo" --bare --commits "$commits" --refs "$refs" --seed "$SEED" \
    --key-rate 0 "${GEN_ARGS[@]}" 2>>"$T/gen.log"
  if [ "$REPACK" = 1 ]; then git -C "$repo" repack -adfq --depth=50 --window=10; fi
  gen_s=$((SECONDS - t0))
  # Facts about the history (this first git log -p also brings the pack into the page cache).
  patch_bytes=$(git -C "$repo" log -p --all | wc -c)
  blob_bytes=$(git -C "$repo" rev-list --objects --all | cut -d' ' -f1 |
    git -C "$repo" cat-file --batch-check='%(objecttype) %(objectsize)' | awk '$1 == "blob" { n += $2 } END { print n + 0 }')
  pack_kib=$(du -sk "$repo/objects" | cut -f1)
  git -C "$repo" ls-tree -r --name-only main >"$T/tip"
  tip_files=$(wc -l <"$T/tip")
  tip_nb=$(grep -c '\.ipynb$' "$T/tip" || true)
  tip_bin=$(grep -cE '\.(png|jpg|zip|pdf)$' "$T/tip" || true)
  all_refs=$(git -C "$repo" for-each-ref | wc -l)

  for r in $(seq 1 "$RUNS"); do
    say "$commits commits: run $r/$RUNS"
    if [ $((r % 2)) = 1 ]; then run_git "$repo" "$P"; run_refguard "$repo" "$P"
    else run_refguard "$repo" "$P"; run_git "$repo" "$P"; fi
    if [ "$PUSH" = 1 ]; then say "$commits commits: push run $r/$RUNS"; run_push "$repo" "$P" "$commits-$r"; fi
  done
  scan_facts=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("%d commits, %d files, %d findings" % (d["commits"], d["files"], len(d["findings"])))' "$T/scan.json")

  gw=$(cell "$P-git" 1) gc=$(cell "$P-git" 2) gr=$(cell "$P-git" 3) ga=$(cell "$P-git" 4)
  rw=$(cell "$P-rg" 1) rc=$(cell "$P-rg" 2) rr=$(cell "$P-rg" 3) ra=$(cell "$P-rg" 4)
  if [ "$PUSH" = 1 ]; then
    pw=$(cell "$P-push" 1) pc=$(cell "$P-push" 2)
    dk=$(median "$P-dcheck") dc=$(median "$P-dcpu") dh=$(median "$P-dhwm") da=$(median "$P-danon")
  fi
  {
    echo "### $SHAPE shape: $(fmt_int "$commits") commits, $(fmt_int "$all_refs") refs"
    echo
    echo "history: $(mb "$patch_bytes") MB of \`git log -p --all\`, $(mb "$blob_bytes") MB of distinct blobs, $(mib "$pack_kib") MiB of objects on disk; $(fmt_int "$tip_files") files at the tip ($tip_nb notebooks, $tip_bin images/zip/pdf); generated in $gen_s s. refguard scan: $scan_facts, exit status $(col "$P-rg" 5 | sort -u | paste -sd/)."
    echo
    echo "| median of $RUNS | wall ms | CPU ms (user+sys) | peak RSS MiB | peak anonymous RSS MiB |"
    echo "|---|---|---|---|---|"
    echo "| \`git log -p --all >/dev/null\` | $(fmt_int "$gw") | $(fmt_int "$gc") | $(mib "$gr") | $(mib "$ga") |"
    echo "| \`refguard scan --repo REPO --format json\` | $(fmt_int "$rw") | $(fmt_int "$rc") | $(mib "$rr") | $(mib "$ra") |"
    echo "| refguard / git | **$(ratio "$rw" "$gw")x** | **$(ratio "$rc" "$gc")x** | **$(ratio "$rr" "$gr")x** | **$(ratio "$ra" "$ga")x** |"
    if [ "$PUSH" = 1 ]; then
      echo "| push of every ref to an empty repository with refguard: git + hooks (wall, CPU) | $(fmt_int "$pw") | $(fmt_int "$pc") | | |"
      echo "| the daemon in that push: check (its log), CPU (all threads), VmHWM, peak RssAnon | $(fmt_int "$dk") | $(fmt_int "$dc") | $(mib "$dh") | $(mib "$da") |"
      echo "| daemon / \`git log -p --all\` | $(ratio "$dk" "$gw")x | $(ratio "$dc" "$gc")x | $(ratio "$dh" "$gr")x | $(ratio "$da" "$ga")x |"
    fi
    echo
    echo "runs: wall ms git $(runs_of "$P-git" 1), refguard $(runs_of "$P-rg" 1); CPU ms git $(runs_of "$P-git" 2), refguard $(runs_of "$P-rg" 2); peak RSS (anonymous) MiB git $(runs_of "$P-git" 3 1024) ($(runs_of "$P-git" 4 1024)), refguard $(runs_of "$P-rg" 3 1024) ($(runs_of "$P-rg" 4 1024))."
    if [ "$PUSH" = 1 ]; then
      echo "push runs: wall $(runs_of "$P-push" 1) ms; daemon check $(runs_of "$P-dcheck" 1) ms, CPU $(runs_of "$P-dcpu" 1) ms, VmHWM $(runs_of "$P-dhwm" 1 1024) MiB (at start $(runs_of "$P-dhwm0" 1 1024) MiB), peak RssAnon $(runs_of "$P-danon" 1 1024) MiB; its log: \`$(cat "$P-dline")\`"
    fi
    echo
  } | tee -a "$OUT"
  {
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$(fmt_int "$commits")" "$(fmt_int "$all_refs")" \
      "$(mb "$patch_bytes")" "$(mib "$pack_kib")" "$(fmt_int "$gw")" "$(fmt_int "$rw")" "$(ratio "$rw" "$gw")x" \
      "$(fmt_int "$gc")" "$(fmt_int "$rc")" "$(ratio "$rc" "$gc")x" "$(mem "$gr" "$ga")" "$(mem "$rr" "$ra")"
    [ "$PUSH" = 1 ] && printf ' %s | %s | %s |' "$(fmt_int "$dk")" "$(fmt_int "$dc")" "$(mem "$dh" "$da")"
    echo
  } >>"$SUMMARY"
  [ "$KEEP" = 1 ] || rm -rf "$repo"
done

{
  echo "### Summary ($SHAPE shape): how each grows with the history"
  echo
  cat "$SUMMARY"
  echo
  echo "total: $((SECONDS - started_all)) s"
} | tee -a "$OUT"
