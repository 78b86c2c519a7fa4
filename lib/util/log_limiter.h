#pragma once
// Rate-limits a repeated log line: an accept loop failing with EMFILE can
// otherwise write millions of identical lines a second (issue 15, item 4:
// 357 MB in 25 s) and fill the disk the audit log lives on. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace refguard {

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::milliseconds interval = std::chrono::seconds(10)) : interval_(interval) {}

  /// Whether a line of kind `key` may be logged now. When it may, and lines of
  /// that kind were held back since the last one, `held_back` says how many.
  bool allow(const std::string& key, size_t& held_back);

  /// Logs `message` (via log_line) unless held back; adds the count held back.
  void log(const std::string& key, const std::string& message);

 private:
  struct Kind {
    std::chrono::steady_clock::time_point last;
    size_t held_back = 0;
  };
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::map<std::string, Kind> kinds_;
};

}  // namespace refguard
