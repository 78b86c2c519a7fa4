#include "server/status_table.h"

#include <fmt/format.h>

#include <map>

#include "util/version.h"

namespace refguard::server {

namespace {

using Path = std::vector<std::string>;
using Value = decltype(StatusValue::value);

class TableBuilder {
 public:
  void counter(Path json, std::string metric, std::string help, uint64_t value, Labels labels = {}) {
    add(std::move(json), std::move(metric), MetricType::kCounter, std::move(help), value, std::move(labels));
  }
  void gauge(Path json, std::string metric, std::string help, Value value, Labels labels = {}) {
    add(std::move(json), std::move(metric), MetricType::kGauge, std::move(help), std::move(value), std::move(labels));
  }
  void info(Path json, std::string metric, std::string help, std::string label, std::string value) {
    table_.push_back({std::move(json), std::move(metric), MetricType::kInfo, std::move(help), {}, std::move(value),
                      std::move(label)});
  }
  void status_only(Path json, Value value) {
    table_.push_back({std::move(json), "", MetricType::kGauge, "", {}, std::move(value), ""});
  }
  void histogram(Path json, std::string metric, std::string help, HistogramValue value) {
    add(std::move(json), std::move(metric), MetricType::kHistogram, std::move(help), std::move(value), {});
  }
  std::vector<StatusValue> take() { return std::move(table_); }

 private:
  void add(Path json, std::string metric, MetricType type, std::string help, Value value, Labels labels) {
    table_.push_back({std::move(json), std::move(metric), type, std::move(help), std::move(labels), std::move(value), ""});
  }
  std::vector<StatusValue> table_;
};

HistogramValue check_seconds(const Stats::Snapshot& s) {
  HistogramValue h;
  h.bounds.assign(kCheckSecondsBuckets.begin(), kCheckSecondsBuckets.end());
  h.counts.assign(s.bucket_counts.begin(), s.bucket_counts.end());
  h.count = s.pushes;
  h.sum = s.check_seconds_sum;
  return h;
}

void add_process(TableBuilder& t, const StatusInputs& in) {
  t.info({"version"}, "refguard_build_info", "The running refguardd's version and git commit.", "version",
         std::string(kVersion));
  t.info({"commit"}, "refguard_build_info", "", "revision", std::string(kGitCommit));
  t.gauge({"start_time_seconds"}, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          in.start_unix_seconds);
  t.status_only({"uptime_seconds"}, in.uptime_seconds);
  t.gauge({"scan_threads"}, "refguard_scan_threads", "Threads that scan pushes.", uint64_t{in.scan_threads});
  t.counter({"connections"}, "refguard_connections_total", "Connections accepted on the hook socket.",
            in.stats.connections);
  t.gauge({"active_connections"}, "refguard_connections_open", "Hook connections open now.",
          uint64_t{in.active_connections});
  t.counter({"protocol_errors"}, "refguard_protocol_errors_total", "Connections refused for bad input or a refused peer.",
            in.stats.protocol_errors);
}

void add_pushes(TableBuilder& t, const StatusInputs& in) {
  const auto& s = in.stats;
  t.status_only({"pushes_checked"}, s.pushes);
  for (const auto& [outcome, count] : s.by_outcome)
    t.counter({"pushes", std::string(to_string(outcome))}, "refguard_pushes_total",
              "Pushes checked, by verdict: accept, reject, bypass (landed past blocking findings), timeout (time "
              "budget ran out), error (the check failed and rejected).",
              count, {{"verdict", std::string(to_string(outcome))}});
  t.histogram({"check_seconds"}, "refguard_check_seconds", "Time to check a push, in seconds.", check_seconds(s));
  t.status_only({"scan_time_ms", "p50"}, s.p50_ms);
  t.status_only({"scan_time_ms", "p90"}, s.p90_ms);
  t.status_only({"scan_time_ms", "p99"}, s.p99_ms);
  for (const auto& [key, count] : s.findings)
    t.counter({"findings", key.first, key.second}, "refguard_findings_total",
              "Findings reported to pushers, by rule and severity (block or warn).", count,
              {{"rule", key.first}, {"severity", key.second}});
  t.counter({"audit_errors"}, "refguard_audit_errors_total", "Audit records that could not be written.", s.audit_errors);
  t.gauge({"audit_log_writable"}, "refguard_audit_log_writable",
          "1 when the last audit write (or the opening at start) succeeded, else 0.", s.audit_ok);
  t.counter({"notes_written"}, "refguard_notes_written_total", "Git notes written for warnings after pushes landed.",
            s.notes_written);
  t.gauge({"pending_notes"}, "refguard_notes_pending", "Warnings waiting for their push to land (post-receive).",
          uint64_t{in.pending_notes});
}

void add_policy(TableBuilder& t, const StatusInputs& in) {
  const auto& r = in.stats.reload;
  t.info({"policy", "digest"}, "refguard_policy_info", "The system policy in force, by digest.", "digest",
         in.policy_digest);
  t.status_only({"policy", "sources"}, fmt::format("{}", fmt::join(in.policy_sources, " -> ")));
  t.gauge({"policy", "rules"}, "refguard_policy_rules", "Rules of the system policy in force.", uint64_t{in.policy_rules});
  const char* help = "Policy loads (at start and on SIGHUP), by result.";
  t.counter({"policy", "reloads", "success"}, "refguard_policy_reloads_total", help, r.succeeded,
            {{"result", "success"}});
  t.counter({"policy", "reloads", "failure"}, "refguard_policy_reloads_total", help, r.failed, {{"result", "failure"}});
  t.gauge({"policy", "last_reload", "ok"}, "refguard_policy_last_reload_success",
          "1 when the last policy load succeeded; 0 when it was refused and the old policy stays in force.", r.last_ok);
  t.gauge({"policy", "last_reload", "time_seconds"}, "refguard_policy_last_reload_timestamp_seconds",
          "When the policy was last loaded or refused, seconds since the epoch.", r.last_unix_seconds);
  t.status_only({"policy", "last_reload", "error"}, r.last_error);
}

void add_caches(TableBuilder& t, const StatusInputs& in) {
  for (const auto& c : in.caches) {
    Labels label{{"cache", c.name}};
    t.gauge({c.json, c.size_key}, "refguard_cache_entries", "Entries in each cache.", uint64_t{c.entries}, label);
    if (c.bytes) t.gauge({c.json, "bytes"}, "refguard_cache_bytes", "Approximate bytes held by each cache.", uint64_t{*c.bytes}, label);
    if (c.hits) t.counter({c.json, "hits"}, "refguard_cache_hits_total", "Cache lookups that hit.", *c.hits, label);
    if (c.misses) t.counter({c.json, "misses"}, "refguard_cache_misses_total", "Cache lookups that missed.", *c.misses, label);
  }
}

// Only when configured: a server without --shared-cache shows nothing of it.
void add_shared_cache(TableBuilder& t, const StatusInputs& in) {
  if (!in.shared_cache) return;
  const auto& c = *in.shared_cache;
  Labels label{{"cache", "shared_scan"}};
  t.status_only({"shared_cache", "address"}, c.address);
  t.gauge({"shared_cache", "connected"}, "refguard_shared_cache_up",
          "1 when the daemon has a connection to the shared scan cache (Redis), else 0.", c.connected);
  t.counter({"shared_cache", "hits"}, "refguard_cache_hits_total", "Cache lookups that hit.", c.hits, label);
  t.counter({"shared_cache", "misses"}, "refguard_cache_misses_total", "Cache lookups that missed.", c.misses, label);
  Labels commits{{"cache", "shared_commit_findings"}};
  t.counter({"shared_cache", "commit_hits"}, "refguard_cache_hits_total", "Cache lookups that hit.", c.commit_hits,
            commits);
  t.counter({"shared_cache", "commit_misses"}, "refguard_cache_misses_total", "Cache lookups that missed.",
            c.commit_misses, commits);
  t.counter({"shared_cache", "errors"}, "refguard_shared_cache_errors_total",
            "Failed connects, lookups and writes to the shared scan cache (timeouts included); pushes then use the "
            "local cache only.",
            c.errors);
  t.counter({"shared_cache", "stored"}, "refguard_shared_cache_stored_total",
            "Findings written to the shared scan cache.", c.stored);
  t.counter({"shared_cache", "dropped"}, "refguard_shared_cache_dropped_total",
            "Findings not written to the shared scan cache: it was down, refused them, or the write queue was full.",
            c.dropped);
}

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string label_text(const Labels& labels) {
  if (labels.empty()) return "";
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels) parts.push_back(fmt::format("{}=\"{}\"", key, escape_label(value)));
  return fmt::format("{{{}}}", fmt::join(parts, ","));
}

std::string number_text(const StatusValue& v) {
  if (auto* u = std::get_if<uint64_t>(&v.value)) return fmt::format("{}", *u);
  if (auto* d = std::get_if<double>(&v.value)) return fmt::format("{}", *d);
  if (auto* b = std::get_if<bool>(&v.value)) return *b ? "1" : "0";
  return "1";
}

std::string_view type_word(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGauge:
    case MetricType::kInfo: return "gauge";
  }
  return "gauge";
}

void render_histogram(std::string& out, const std::string& name, const HistogramValue& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, h.bounds[i], cumulative);
  }
  out += fmt::format("{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {1}\n", name, h.count, h.sum);
}

}  // namespace

std::vector<StatusValue> status_table(const StatusInputs& inputs) {
  TableBuilder table;
  add_process(table, inputs);
  add_pushes(table, inputs);
  add_policy(table, inputs);
  add_caches(table, inputs);
  add_shared_cache(table, inputs);
  return table.take();
}

nlohmann::json status_json(const std::vector<StatusValue>& table) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& v : table) {
    if (v.json.empty()) continue;
    nlohmann::json* at = &json;
    for (const auto& key : v.json) at = &(*at)[key];
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, HistogramValue>) *at = {{"count", value.count}, {"sum_seconds", value.sum}};
          else *at = value;
        },
        v.value);
  }
  return json;
}

std::string prometheus_text(const std::vector<StatusValue>& table) {
  // Families in first-seen order; an info family's entries become one sample.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const StatusValue*>> families;
  for (const auto& v : table) {
    if (v.metric.empty()) continue;
    auto& members = families[v.metric];
    if (members.empty()) order.push_back(v.metric);
    members.push_back(&v);
  }
  std::string out;
  for (const auto& name : order) {
    const auto& members = families[name];
    const StatusValue& first = *members.front();
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, first.help, name, type_word(first.type));
    if (first.type == MetricType::kInfo) {
      Labels labels;
      for (const auto* v : members) labels.emplace_back(v->value_label, std::get<std::string>(v->value));
      out += fmt::format("{}{} 1\n", name, label_text(labels));
      continue;
    }
    for (const auto* v : members) {
      if (auto* h = std::get_if<HistogramValue>(&v->value)) render_histogram(out, name, *h);
      else out += fmt::format("{}{} {}\n", name, label_text(v->labels), number_text(*v));
    }
  }
  return out;
}

}  // namespace refguard::server
