// The daemon's log lines: a level and key=value fields (logfmt), a syslog
// priority prefix for journald instead of a timestamp.
#include <catch2/catch.hpp>

#include "util/log.h"

using namespace refguard;

TEST_CASE("a log line is logfmt with a level and quoted values where needed", "[log]") {
  std::string line = format_log_line(LogLevel::kWarning, "push reject",
                                     {{"repo", "/srv/git/a.git"}, {"pusher", "bob"}, {"error", "a \"b\"\nc"}, {"x", ""}},
                                     false, "2026-12-04T20:00:00.000Z");
  CHECK(line ==
        "2026-12-04T20:00:00.000Z refguardd level=warning msg=\"push reject\" repo=/srv/git/a.git pusher=bob "
        "error=\"a \\\"b\\\"\\nc\" x=\"\"\n");
}

TEST_CASE("under journald a line starts with its syslog priority", "[log]") {
  CHECK(format_log_line(LogLevel::kError, "cannot start", {}, true, "") == "<3>level=error msg=\"cannot start\"\n");
  CHECK(format_log_line(LogLevel::kInfo, "stopped", {}, true, "") == "<6>level=info msg=stopped\n");
  CHECK(format_log_line(LogLevel::kWarning, "x", {}, true, "").starts_with("<4>"));
  CHECK(format_log_line(LogLevel::kNotice, "x", {}, true, "").starts_with("<5>"));
}
