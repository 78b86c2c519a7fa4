#!/usr/bin/env bash
# Issue 17: the daemon's /metrics follow Prometheus' conventions (promtool
# check metrics on the real output), agree with `refguard status --json`,
# and every metric the shipped alerting rules and Grafana dashboard query is
# one the daemon exports; the rules pass promtool check/test rules.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { fail "promtool is missing: packaging/install-deps.sh installs prometheus"; finish; }
RULES="$SRC/packaging/prometheus/refguard.rules.yml"
DASHBOARD="$SRC/packaging/grafana/refguard-dashboard.json"

metrics_port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
start_daemon --metrics-port "$metrics_port"
server=$(new_server app)
work=$(new_clone "$server" work)
commit_file "$work" train.py "import torch
model = torch.load(\"model.pt\")
" "warning"
push "$work" origin HEAD:main
expect_accepted "a push with a warning lands"
commit_file "$work" key.py "OPENAI_API_KEY = \"$(fake_openai_key)\"
" "key"
push "$work" origin HEAD:main
expect_rejected "a key is rejected"

scrape() { python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics', timeout=5).read().decode())"; }
scrape >"$T/metrics.txt"
if promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1; then pass "promtool check metrics accepts /metrics"; else
  fail "promtool check metrics: $(cat "$T/promtool.out")"
fi
OUT=$(cat "$T/metrics.txt")
expect_output "pushes by verdict, accepted included" 'refguard_pushes_total{verdict="accept"} 1'
expect_output "rejected pushes are counted" 'refguard_pushes_total{verdict="reject"} 1'
expect_output "latency is a histogram" 'refguard_check_seconds_bucket{le="+Inf"} 2'
expect_output "with _count" 'refguard_check_seconds_count 2'
expect_output "build info with the version" 'refguard_build_info{version="'
expect_output "the process start time" 'process_start_time_seconds '
expect_output "findings by rule" 'refguard_findings_total{rule="openai-api-key",severity="block"} 1'
expect_output "connections open" 'refguard_connections_open '
expect_output "notes written" 'refguard_notes_written_total '
expect_output "notes pending" 'refguard_notes_pending '
expect_output "cache bytes per cache" 'refguard_cache_bytes{cache="scan"} '
expect_output "policy reloads by result" 'refguard_policy_reloads_total{result="success"} 1'
expect_output "policy info with the digest" 'refguard_policy_info{digest="'

# One table: every number in both agrees (nothing moves between the two reads: no pushes in between).
"$BIN/refguard" status --socket "$SOCK" --json >"$T/status.json"
scrape >"$T/metrics2.txt"
python3 - "$T/status.json" "$T/metrics2.txt" <<'PY' && pass "status --json and /metrics report the same values" || fail "status and metrics disagree"
import json, sys
s = json.load(open(sys.argv[1]))
m = {}
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        m[name] = float(value)
pairs = {
    'refguard_pushes_total{verdict="accept"}': s["pushes"]["accept"],
    'refguard_pushes_total{verdict="reject"}': s["pushes"]["reject"],
    "refguard_check_seconds_count": s["pushes_checked"],
    'refguard_cache_entries{cache="scan"}': s["scan_cache"]["entries"],
    'refguard_cache_hits_total{cache="scan"}': s["scan_cache"]["hits"],
    'refguard_cache_bytes{cache="commit_changes"}': s["commit_cache"]["bytes"],
    "refguard_notes_written_total": s["notes_written"],
    "process_start_time_seconds": s["start_time_seconds"],
    'refguard_policy_reloads_total{result="success"}': s["policy"]["reloads"]["success"],
}
bad = {k: (m.get(k), v) for k, v in pairs.items() if m.get(k) != v}
assert not bad, bad
assert 'refguard_policy_info{digest="%s"}' % s["policy"]["digest"] in m
PY

# The shipped rules and dashboard query only what the daemon exports.
if python3 "$SRC/tests/e2e/promql_metrics.py" "$T/metrics.txt" "$DASHBOARD" "$RULES" >"$T/names.out" 2>&1; then
  pass "the dashboard and the rules use only exported metrics ($(cat "$T/names.out"))"
else fail "unknown metrics: $(cat "$T/names.out")"; fi
python3 - "$DASHBOARD" <<'PY' && pass "the dashboard has the four views the issue names" || fail "dashboard panels"
import json, sys
d = json.load(open(sys.argv[1]))
exprs = " ".join(t["expr"] for p in d["panels"] for t in p.get("targets", []))
assert 'sum by (verdict) (rate(refguard_pushes_total' in exprs
assert 'histogram_quantile(0.99' in exprs and 'refguard_check_seconds_bucket' in exprs
assert 'sum by (rule, severity) (increase(refguard_findings_total' in exprs
assert 'refguard_cache_hits_total' in exprs and 'refguard_cache_misses_total' in exprs
PY
if promtool check rules "$RULES" >"$T/rules.out" 2>&1; then pass "promtool check rules accepts the alerting rules"; else
  fail "promtool check rules: $(cat "$T/rules.out")"; fi
if (cd "$(dirname "$RULES")" && promtool test rules refguard.rules.test.yml) >"$T/rules-test.out" 2>&1; then
  pass "promtool test rules: the alerts fire when they should and only then"
else fail "promtool test rules: $(cat "$T/rules-test.out")"; fi
for alert in RefguardDown RefguardPolicyReloadFailed RefguardAuditLogUnwritable RefguardTimeoutsRising RefguardRejectionsSpiking; do
  grep -q "alert: $alert\$" "$RULES" && grep -q "alertname: $alert\$" "$(dirname "$RULES")/refguard.rules.test.yml" &&
    pass "$alert is shipped and unit-tested" || fail "$alert missing or untested"
done

# Issue 14: a metrics port that cannot be bound (taken here; under the packaged
# unit, no network) is logged, and the daemon still starts and checks pushes.
stop_daemon
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$metrics_port" &
blocker=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$metrics_port") 2>/dev/null && break; sleep 0.05; done
start_daemon --metrics-port "$metrics_port" && pass "a daemon whose metrics port is taken still starts" ||
  fail "a taken metrics port stops the daemon"
wait_for_log "metrics unavailable; checks go on" && pass "the metrics failure is logged" || fail "no log line for the metrics failure"
commit_file "$work" bot.py "import openai
client = openai.OpenAI(api_key=\"$(fake_openai_key)\")
" "Add bot"
push "$work" origin HEAD:main
expect_rejected "without its metrics endpoint the daemon still checks pushes"
kill "$blocker" 2>/dev/null || true

finish
