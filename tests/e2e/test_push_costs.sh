#!/usr/bin/env bash
# What one push may cost the daemon (issue 15):
#  item 8: a committed policy too large, with too many rules, is refused at
#  push time with a clear error (it cost ~12 s and ~180 MB a push before);
#  item 12: a blob larger than refguard reads is refused from its object
#  header, unread: three such pushes at once leave the daemon's peak memory
#  where it was (it read each whole before).
source "$(dirname "$0")/lib.sh"

start_daemon
server=$(new_server costs)
work=$(new_clone "$server" work)
commit_file "$work" README.md "costs
"
push "$work" origin HEAD:main
expect_accepted "a first push lands"

# rules COUNT: a policy of COUNT distinct regex rules.
rules() {
  python3 - "$1" <<'PY'
import sys
print("version = 1")
for i in range(int(sys.argv[1])):
    print(f'[[rule]]\nid = "team-rule-{i}"\naction = "warn"\npaths = ["*.py"]\n[rule.detector]\ntype = "regex"\npattern = \'\'\'token_{i}_[A-Za-z0-9]{{24}}\'\'\'')
PY
}

rules 13500 >"$work/.refguard.toml"
size=$(wc -c <"$work/.refguard.toml")
git -C "$work" add .refguard.toml && git -C "$work" commit -qm "huge policy"
started=$SECONDS
push "$work" origin HEAD:main
expect_rejected "a $((size >> 10)) KiB committed policy is refused"
expect_output "the pusher is told the size limit" "a repository policy may hold at most 256 KiB"
[ $((SECONDS - started)) -le 5 ] && pass "refused in $((SECONDS - started)) s" || fail "took $((SECONDS - started)) s"
git -C "$work" reset -q --hard origin/main

rules 600 >"$work/.refguard.toml"
git -C "$work" add .refguard.toml && git -C "$work" commit -qm "many rules"
push "$work" origin HEAD:main
expect_rejected "a committed policy adding 600 rules is refused"
expect_output "the pusher is told the rule limit" "a repository policy may add at most 500"
git -C "$work" reset -q --hard origin/main

rules 20 >"$work/.refguard.toml"
git -C "$work" add .refguard.toml && git -C "$work" commit -qm "a few team rules"
push "$work" origin HEAD:main
expect_accepted "a committed policy of 20 rules lands"
git -C "$work" fetch -q origin

# Item 12: 150 MB files, three pushes at once.
peak_kb() { awk '/^VmHWM/ {print $2}' "/proc/$DAEMON_PID/status"; }
before=$(peak_kb)
head -c 150000000 /dev/zero >"$T/big.bin"
for n in 1 2 3; do
  repo=$(new_server "big$n")
  clone=$(new_clone "$repo" "bigwork$n")
  commit_file "$clone" README.md "big $n
"
  push "$clone" origin HEAD:main
  cp "$T/big.bin" "$clone/weights$n.bin"
  printf '%s\n' "$n" >>"$clone/weights$n.bin"
  git -C "$clone" add "weights$n.bin" && git -C "$clone" commit -qm "big file $n"
done
pids=()
for n in 1 2 3; do
  (set +e; git -C "$T/bigwork$n" push origin HEAD:main >"$T/bigpush$n.out" 2>&1; echo $? >"$T/bigpush$n.rc") &
  pids+=($!)
done
wait "${pids[@]}" || true  # not the daemon
for n in 1 2 3; do
  OUT=$(cat "$T/bigpush$n.out")
  RC=$(cat "$T/bigpush$n.rc")
  expect_rejected "a 150 MB file is refused (push $n)"
  expect_output "the pusher is told the file limit (push $n)" "refguard reads files up to 100 MiB"
done
after=$(peak_kb)
grown=$(((after - before) / 1024))
if [ "$grown" -lt 100 ]; then pass "the daemon's peak memory grew by $grown MB"; else
  fail "the daemon's peak memory grew by $grown MB (from $((before / 1024)) MB)"
fi
"$BIN/refguard" status --socket "$SOCK" >/dev/null && pass "the daemon still serves" || fail "the daemon stopped serving"

finish
