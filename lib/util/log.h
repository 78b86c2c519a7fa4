#pragma once
// The daemon's log: one line per event on stderr, in logfmt
// (`level=warning msg="..." repo=/srv/git/a.git pusher=alice`), so admins can
// grep any field. Under systemd (JOURNAL_STREAM names our stderr) each line
// starts with a `<N>` syslog priority that journald reads, and no timestamp
// (the journal keeps its own); elsewhere it starts with a UTC timestamp.
// Each line is written with a single write(2), so lines from different
// threads never interleave. Thread-safe; never throws from the write.
#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace refguard {

/// syslog priorities: what journald filters on (`journalctl -p warning`).
enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

std::string_view to_string(LogLevel level);

/// One `key=value` field; the value is quoted when it needs to be.
struct LogField {
  std::string_view key;
  std::string value;
};
using LogFields = std::initializer_list<LogField>;

/// The line as written, newline included: pure, for tests.
/// `utc_time` is ignored (and may be empty) when `for_journal`.
std::string format_log_line(LogLevel level, std::string_view message, LogFields fields, bool for_journal,
                            std::string_view utc_time);

/// Writes one line to stderr.
void log_line(LogLevel level, std::string_view message, LogFields fields = {});
/// Info-level line with no fields (older call sites).
inline void log_line(std::string_view message) { log_line(LogLevel::kInfo, message); }

/// Whether stderr is connected to the journal (JOURNAL_STREAM matches it).
bool logging_to_journal();

/// The current UTC time as ISO 8601 with milliseconds ("2026-11-27T08:00:00.123Z").
std::string utc_now_iso8601();

template <class... Args>
void log_event(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void log_warning(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kWarning, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kError, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace refguard
