#include "util/log.h"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace refguard {

std::string utc_now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", stamp, static_cast<int>(millis));
}

void log_line(std::string_view message) {
  std::string line = fmt::format("{} refguardd: {}\n", utc_now_iso8601(), message);
  // write(2) of one buffer: atomic enough for a log line, and never throws.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace refguard
