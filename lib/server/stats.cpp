#include "server/stats.h"

#include <algorithm>

namespace refguard::server {

Stats::Stats() {
  for (PushOutcome outcome : kPushOutcomes) by_outcome_[outcome] = 0;
}

void Stats::record_push(PushOutcome outcome, std::chrono::milliseconds duration,
                        const std::vector<engine::Finding>& findings) {
  double ms = static_cast<double>(duration.count());
  double seconds = ms / 1000;
  std::lock_guard lock(mutex_);
  ++pushes_;
  ++by_outcome_[outcome];
  for (const auto& f : findings)
    ++findings_[{f.rule_id, f.severity == detect::Severity::kBlock ? "block" : "warn"}];
  auto bucket = std::lower_bound(kCheckSecondsBuckets.begin(), kCheckSecondsBuckets.end(), seconds);
  if (bucket != kCheckSecondsBuckets.end()) ++bucket_counts_[static_cast<size_t>(bucket - kCheckSecondsBuckets.begin())];
  check_seconds_sum_ += seconds;
  if (recent_ms_.size() < kWindow) recent_ms_.push_back(ms);
  else recent_ms_[next_] = ms;
  next_ = (next_ + 1) % kWindow;
}

void Stats::record_reload(bool ok, const std::string& error) {
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  ++(ok ? reload_.succeeded : reload_.failed);
  reload_.last_unix_seconds = now;
  reload_.last_ok = ok;
  reload_.last_error = error;
}

Stats::Snapshot Stats::snapshot() const {
  Snapshot s{};
  s.connections = connections_;
  s.protocol_errors = protocol_errors_;
  s.audit_errors = audit_errors_;
  s.audit_ok = audit_ok_;
  s.notes_written = notes_written_;
  std::vector<double> sorted;
  {
    std::lock_guard lock(mutex_);
    s.pushes = pushes_;
    s.by_outcome = by_outcome_;
    s.findings = findings_;
    s.bucket_counts = bucket_counts_;
    s.check_seconds_sum = check_seconds_sum_;
    s.reload = reload_;
    sorted = recent_ms_;
  }
  if (!sorted.empty()) {
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())))];
    };
    s.p50_ms = at(0.50);
    s.p90_ms = at(0.90);
    s.p99_ms = at(0.99);
  }
  return s;
}

}  // namespace refguard::server
