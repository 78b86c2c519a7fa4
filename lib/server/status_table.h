#pragma once
// What the daemon reports about itself, listed once: every named value knows
// its place in `refguard status --json` and its Prometheus metric, so the two
// cannot drift. status_table() builds the list from a snapshot; status_json()
// and prometheus_text() only render it. Pure code: no locks, no I/O.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "server/stats.h"

namespace refguard::server {

enum class MetricType { kCounter, kGauge, kInfo, kHistogram };

struct HistogramValue {
  std::vector<double> bounds;    // bucket upper bounds, ascending; +Inf is implied
  std::vector<uint64_t> counts;  // per bucket (not cumulative), same size as bounds
  uint64_t count = 0;            // every observation, the +Inf bucket included
  double sum = 0;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

struct StatusValue {
  std::vector<std::string> json;  // path in the status JSON; empty = /metrics only
  std::string metric;             // Prometheus family; "" = status only
  MetricType type = MetricType::kGauge;
  std::string help;
  Labels labels;
  // kInfo: the string goes into the label named value_label, the sample is 1.
  std::variant<uint64_t, double, bool, std::string, HistogramValue> value;
  std::string value_label;
};

/// Everything the table reads, gathered by the server in one place.
struct StatusInputs {
  Stats::Snapshot stats;
  double uptime_seconds = 0;
  double start_unix_seconds = 0;
  std::string policy_digest;
  std::vector<std::string> policy_sources;
  size_t policy_rules = 0;
  struct Cache {
    std::string name;  // label value: scan, repository, commit_changes, commit_findings
    std::string json;  // its object in the status JSON
    std::string size_key = "entries";
    size_t entries = 0;
    std::optional<size_t> bytes;
    std::optional<uint64_t> hits, misses;
  };
  std::vector<Cache> caches;
  /// The Redis shared by a fleet (--shared-cache); none when not configured.
  struct SharedCache {
    std::string address;
    bool connected = false;
    uint64_t hits = 0, misses = 0, errors = 0, stored = 0, dropped = 0;
    uint64_t commit_hits = 0, commit_misses = 0;  // commits' judgements
  };
  std::optional<SharedCache> shared_cache;
  size_t active_connections = 0;
  size_t pending_notes = 0;
  size_t scan_threads = 0;
};

std::vector<StatusValue> status_table(const StatusInputs& inputs);

/// The answer to `refguard status`.
nlohmann::json status_json(const std::vector<StatusValue>& table);

/// Prometheus text exposition format 0.0.4: one HELP and TYPE per family.
std::string prometheus_text(const std::vector<StatusValue>& table);

}  // namespace refguard::server
