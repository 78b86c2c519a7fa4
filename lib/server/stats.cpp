#include "server/stats.h"

#include <algorithm>

namespace refguard::server {

void Stats::record_push(bool rejected, bool bypassed, bool failed, std::chrono::milliseconds duration) {
  ++pushes_;
  if (rejected) ++rejected_;
  if (bypassed) ++bypassed_;
  if (failed) ++failed_;
  std::lock_guard lock(mutex_);
  double ms = static_cast<double>(duration.count());
  if (recent_ms_.size() < kWindow) recent_ms_.push_back(ms);
  else recent_ms_[next_] = ms;
  next_ = (next_ + 1) % kWindow;
}

Stats::Snapshot Stats::snapshot() const {
  Snapshot s{connections_, pushes_,         rejected_,     pushes_ - rejected_, bypassed_, failed_,
             protocol_errors_, audit_errors_, notes_written_, 0, 0, 0};
  std::vector<double> sorted;
  {
    std::lock_guard lock(mutex_);
    sorted = recent_ms_;
  }
  if (!sorted.empty()) {
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) { return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())))]; };
    s.p50_ms = at(0.50);
    s.p90_ms = at(0.90);
    s.p99_ms = at(0.99);
  }
  return s;
}

}  // namespace refguard::server
