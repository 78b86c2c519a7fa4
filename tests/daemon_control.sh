# Starting and stopping the real refguardd for the end-to-end tests
# (tests/e2e/lib.sh) and the benchmarks (bench/bench_lib.sh); sourced by both.
# Uses $BIN (the build's bin/), $SOCK and $T (the caller's work directory);
# sets DAEMON_PID.

# daemon_start LOG [refguardd args...]: starts refguardd on $SOCK, its output
# appended to LOG, its state (the persisted scan cache) in $T/state unless
# --state-dir is given; waits up to 20 s until it answers `refguard status`.
# Returns 1, with the reason on stderr, when it exits or does not answer.
daemon_start() {
  local log=$1
  shift
  local state=(--state-dir "$T/state")
  case " $* " in *" --state-dir "*) state=() ;; esac
  "$BIN/refguardd" --socket "$SOCK" "${state[@]}" "$@" >>"$log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 400); do
    if "$BIN/refguard" status --socket "$SOCK" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
      cat "$log" >&2
      echo "refguardd exited during start-up" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "refguardd did not answer within 20 s" >&2
  return 1
}

# stop_daemon: SIGTERM (a graceful stop), then waits for the daemon to exit.
stop_daemon() {
  if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  DAEMON_PID=""
}
