#pragma once
// Counters the daemon reports through `refguard status` and /metrics
// (server/status_table.h turns a snapshot into both). Thread-safe.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/check_result.h"
#include "engine/finding.h"

namespace refguard::server {

using engine::kPushOutcomes;
using engine::PushOutcome;

/// Upper bounds (seconds) of the check-time histogram's buckets; +Inf follows.
inline constexpr std::array<double, 12> kCheckSecondsBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5,   1,    2.5,   5,    10,  30};

class Stats {
 public:
  Stats();

  void record_push(PushOutcome outcome, std::chrono::milliseconds duration, const std::vector<engine::Finding>& findings);
  void record_protocol_error() { ++protocol_errors_; }
  void record_connection() { ++connections_; }
  void record_audit_error() { ++audit_errors_; audit_ok_ = false; }
  void record_audit_ok() { audit_ok_ = true; }
  void record_notes(uint64_t count) { notes_written_ += count; }
  /// A policy (re)load: at start and on SIGHUP. `error` is "" on success.
  void record_reload(bool ok, const std::string& error);

  struct Reload {
    uint64_t succeeded = 0, failed = 0;
    double last_unix_seconds = 0;  // when the last attempt happened
    bool last_ok = true;
    std::string last_error;
  };
  struct Snapshot {
    uint64_t connections, pushes, protocol_errors, audit_errors, notes_written;
    bool audit_ok;
    std::map<PushOutcome, uint64_t> by_outcome;            // every outcome, zeros included
    std::map<std::pair<std::string, std::string>, uint64_t> findings;  // (rule, block|warn) -> findings
    std::array<uint64_t, kCheckSecondsBuckets.size()> bucket_counts;   // per bucket, not cumulative
    double check_seconds_sum;
    double p50_ms, p90_ms, p99_ms;  // over the last 1024 pushes
    Reload reload;
  };
  Snapshot snapshot() const;

 private:
  std::atomic<uint64_t> connections_{0}, protocol_errors_{0}, audit_errors_{0}, notes_written_{0};
  std::atomic<bool> audit_ok_{true};
  mutable std::mutex mutex_;  // guards everything below
  uint64_t pushes_ = 0;
  std::map<PushOutcome, uint64_t> by_outcome_;
  std::map<std::pair<std::string, std::string>, uint64_t> findings_;
  std::array<uint64_t, kCheckSecondsBuckets.size()> bucket_counts_{};
  double check_seconds_sum_ = 0;
  std::vector<double> recent_ms_;  // ring of the last kWindow durations
  size_t next_ = 0;
  Reload reload_;
  static constexpr size_t kWindow = 1024;
};

}  // namespace refguard::server
