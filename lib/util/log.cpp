#include "util/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace refguard {

namespace {

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

void append_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  out += '"';
}

// systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected;
// it is ours only if stderr is still that stream (a child may inherit the
// variable with stderr redirected).
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  if (!stream || ::fstat(STDERR_FILENO, &st) != 0) return false;
  return fmt::format("{}:{}", static_cast<unsigned long long>(st.st_dev), static_cast<unsigned long long>(st.st_ino)) ==
         stream;
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

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

std::string format_log_line(LogLevel level, std::string_view message, LogFields fields, bool for_journal,
                            std::string_view utc_time) {
  // journald adds the time and the program name itself.
  std::string line = for_journal ? fmt::format("<{}>", static_cast<int>(level)) : fmt::format("{} refguardd ", utc_time);
  line += fmt::format("level={} msg=", to_string(level));
  append_value(line, message);
  for (const auto& field : fields) {
    line += fmt::format(" {}=", field.key);
    append_value(line, field.value);
  }
  line += '\n';
  return line;
}

bool logging_to_journal() {
  static const bool journal = stderr_is_journal();  // decided once: stderr does not change
  return journal;
}

void log_line(LogLevel level, std::string_view message, LogFields fields) {
  bool journal = logging_to_journal();
  std::string line = format_log_line(level, message, fields, journal, journal ? std::string() : utc_now_iso8601());
  // write(2) of one buffer: atomic enough for a log line, and never throws.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace refguard
