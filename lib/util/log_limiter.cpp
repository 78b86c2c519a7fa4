#include "util/log_limiter.h"

#include "util/log.h"

namespace refguard {

bool LogLimiter::allow(const std::string& key, size_t& held_back) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto [it, added] = kinds_.try_emplace(key);
  Kind& kind = it->second;
  if (!added && now - kind.last < interval_) {
    ++kind.held_back;
    return false;
  }
  held_back = kind.held_back;
  kind.held_back = 0;
  kind.last = now;
  return true;
}

void LogLimiter::log(const std::string& key, const std::string& message) {
  size_t held_back = 0;
  if (!allow(key, held_back)) return;
  if (held_back == 0) log_line(message);
  else log_line(fmt::format("{} ({} more like it since the last one, not logged)", message, held_back));
}

}  // namespace refguard
