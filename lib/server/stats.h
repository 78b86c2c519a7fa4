#pragma once
// Counters the daemon reports through `refguard status`. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace refguard::server {

class Stats {
 public:
  void record_push(bool rejected, bool bypassed, bool failed, std::chrono::milliseconds duration);
  void record_protocol_error() { ++protocol_errors_; }
  void record_connection() { ++connections_; }
  void record_audit_error() { ++audit_errors_; }
  void record_notes(uint64_t count) { notes_written_ += count; }

  struct Snapshot {
    uint64_t connections, pushes, rejected, accepted, bypassed, failed, protocol_errors, audit_errors, notes_written;
    double p50_ms, p90_ms, p99_ms;
  };
  Snapshot snapshot() const;

 private:
  std::atomic<uint64_t> connections_{0}, pushes_{0}, rejected_{0}, bypassed_{0}, failed_{0}, protocol_errors_{0},
      audit_errors_{0}, notes_written_{0};
  mutable std::mutex mutex_;
  std::vector<double> recent_ms_;  // ring of the last kWindow durations
  size_t next_ = 0;
  static constexpr size_t kWindow = 1024;
};

}  // namespace refguard::server
