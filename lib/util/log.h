#pragma once
// One line per event on stderr, with a UTC timestamp; each line is written
// with a single call so lines from different threads never interleave.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace refguard {

void log_line(std::string_view message);

/// The current UTC time as ISO 8601 with milliseconds ("2026-11-27T08:00:00.123Z").
std::string utc_now_iso8601();

template <class... Args>
void log_event(fmt::format_string<Args...> format, Args&&... args) {
  log_line(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace refguard
