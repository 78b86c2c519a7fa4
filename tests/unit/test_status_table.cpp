// `refguard status --json` and /metrics come from one table: every value
// listed for both has the same number in both, and the text follows the
// Prometheus exposition format (promtool checks the live daemon's in e2e).
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "server/status_table.h"

using namespace refguard;
using namespace refguard::server;

namespace {

StatusInputs sample_inputs() {
  Stats stats;
  engine::Finding key;
  key.rule_id = "openai-api-key";
  engine::Finding warning;
  warning.rule_id = "torch-load-without-weights-only";
  warning.severity = detect::Severity::kWarn;
  stats.record_push(PushOutcome::kReject, std::chrono::milliseconds(40), {key, warning, warning});
  stats.record_push(PushOutcome::kAccept, std::chrono::milliseconds(3), {});
  stats.record_push(PushOutcome::kTimeout, std::chrono::milliseconds(4000), {});
  stats.record_reload(true, "");
  stats.record_reload(false, "policy.toml:3: settings.contct: unknown key");
  stats.record_notes(2);
  StatusInputs in;
  in.stats = stats.snapshot();
  in.uptime_seconds = 12.5;
  in.start_unix_seconds = 1.8e9;
  in.policy_digest = "0123456789abcdef";
  in.policy_sources = {"builtin", "/etc/refguard/policy.toml"};
  in.policy_rules = 40;
  in.caches = {{"scan", "scan_cache", "entries", 7, 1024, 5, 2},
               {"repository", "repository_cache", "open", 1, std::nullopt, 2, 1}};
  in.active_connections = 1;
  in.pending_notes = 3;
  in.scan_threads = 2;
  return in;
}

// "name{labels}" -> value, for every sample line.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::string sample_name(const StatusValue& v) {
  std::string name = v.metric;
  if (!v.labels.empty()) {
    name += "{";
    for (size_t i = 0; i < v.labels.size(); ++i)
      name += (i ? "," : "") + v.labels[i].first + "=\"" + v.labels[i].second + "\"";
    name += "}";
  }
  return name;
}

}  // namespace

TEST_CASE("status JSON and Prometheus text agree on every shared value", "[status]") {
  auto table = status_table(sample_inputs());
  auto json = status_json(table);
  auto metrics = samples(prometheus_text(table));
  size_t compared = 0;
  for (const auto& v : table) {
    if (v.json.empty() || v.metric.empty() || v.type == MetricType::kInfo || v.type == MetricType::kHistogram) continue;
    const nlohmann::json* at = &json;
    for (const auto& key : v.json) at = &(*at)[key];
    INFO(sample_name(v));
    REQUIRE(metrics.contains(sample_name(v)));
    double in_metrics = std::stod(metrics[sample_name(v)]);
    double in_json = at->is_boolean() ? (at->get<bool>() ? 1 : 0) : at->get<double>();
    CHECK(in_metrics == in_json);
    ++compared;
  }
  CHECK(compared >= 20);
}

TEST_CASE("pushes are counted by verdict, accepted included", "[status]") {
  auto table = status_table(sample_inputs());
  auto metrics = samples(prometheus_text(table));
  CHECK(metrics["refguard_pushes_total{verdict=\"accept\"}"] == "1");
  CHECK(metrics["refguard_pushes_total{verdict=\"reject\"}"] == "1");
  CHECK(metrics["refguard_pushes_total{verdict=\"timeout\"}"] == "1");
  CHECK(metrics["refguard_pushes_total{verdict=\"bypass\"}"] == "0");
  CHECK(metrics["refguard_findings_total{rule=\"torch-load-without-weights-only\",severity=\"warn\"}"] == "2");
  auto json = status_json(table);
  CHECK(json["pushes"]["accept"] == 1);
  CHECK(json["pushes_checked"] == 3);
}

TEST_CASE("check time is a histogram with cumulative buckets, _sum and _count", "[status]") {
  std::string text = prometheus_text(status_table(sample_inputs()));
  auto metrics = samples(text);
  CHECK_THAT(text, Catch::Contains("# TYPE refguard_check_seconds histogram"));
  CHECK(metrics["refguard_check_seconds_bucket{le=\"0.005\"}"] == "1");  // 3 ms
  CHECK(metrics["refguard_check_seconds_bucket{le=\"0.05\"}"] == "2");   // and 40 ms
  CHECK(metrics["refguard_check_seconds_bucket{le=\"5\"}"] == "3");      // and 4 s
  CHECK(metrics["refguard_check_seconds_bucket{le=\"+Inf\"}"] == "3");
  CHECK(metrics["refguard_check_seconds_count"] == "3");
  CHECK(std::stod(metrics["refguard_check_seconds_sum"]) == Approx(4.043));
  CHECK_THAT(text, !Catch::Contains("quantile"));
}

TEST_CASE("build, process and policy info follow Prometheus conventions", "[status]") {
  std::string text = prometheus_text(status_table(sample_inputs()));
  CHECK(std::regex_search(text, std::regex("\nrefguard_build_info\\{version=\"[0-9]+\\.[0-9]+\\.[0-9]+\",revision=\"[0-9a-f]*\"\\} 1\n")));
  CHECK_THAT(text, Catch::Contains("process_start_time_seconds 1800000000\n"));
  CHECK_THAT(text, Catch::Contains("refguard_policy_info{digest=\"0123456789abcdef\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("refguard_policy_reloads_total{result=\"failure\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("refguard_policy_last_reload_success 0\n"));
  CHECK_THAT(text, Catch::Contains("refguard_cache_bytes{cache=\"scan\"} 1024\n"));
  CHECK_THAT(text, Catch::Contains("refguard_connections_open 1\n"));
  CHECK_THAT(text, Catch::Contains("refguard_notes_pending 3\n"));
  // One HELP and one TYPE per family, however many samples it has.
  size_t types = 0;
  for (size_t at = 0; (at = text.find("# TYPE refguard_pushes_total ", at)) != std::string::npos; ++at) ++types;
  CHECK(types == 1);
}

TEST_CASE("status JSON names the version, policy and last reload", "[status]") {
  auto json = status_json(status_table(sample_inputs()));
  CHECK(json["version"].get<std::string>().find('.') != std::string::npos);
  CHECK(json["policy"]["digest"] == "0123456789abcdef");
  CHECK(json["policy"]["sources"] == "builtin -> /etc/refguard/policy.toml");
  CHECK(json["policy"]["last_reload"]["ok"] == false);
  CHECK(json["policy"]["last_reload"]["error"] == "policy.toml:3: settings.contct: unknown key");
  CHECK(json["scan_cache"]["hits"] == 5);
  CHECK(json["repository_cache"]["open"] == 1);
}
