#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ipc/hook_config.h"
#include "temp_repo.h"

using namespace refguard::ipc;

namespace {

HookConfig parse(std::string_view text) {
  HookConfig config;
  apply_git_config_text(text, config);
  return config;
}

}  // namespace

TEST_CASE("hook config defaults apply when there is no [refguard] section", "[hook_config]") {
  auto config = parse("[core]\n\tbare = true\n[remote \"origin\"]\n\turl = x\n");
  CHECK(config.socket_path == "/run/refguard/refguard.sock");
  CHECK(config.fail_mode == FailMode::kInline);
  CHECK(config.timeout_ms == 10000);
  CHECK(config.cli_path.empty());
  CHECK(config.policy_path.empty());
  CHECK(config.problems.empty());
}

TEST_CASE("hook config reads every refguard key", "[hook_config]") {
  auto config = parse(
      "[core]\n"
      "\tbare = true\n"
      "[refguard]\n"
      "\tsocket = /tmp/rg.sock\n"
      "\tfailMode = reject\n"
      "\ttimeout = 2.5\n"
      "\tcli = /usr/local/bin/refguard\n"
      "\tconfig = /etc/refguard/strict.toml\n");
  CHECK(config.socket_path == "/tmp/rg.sock");
  CHECK(config.fail_mode == FailMode::kReject);
  CHECK(config.timeout_ms == 2500);
  CHECK(config.cli_path == "/usr/local/bin/refguard");
  CHECK(config.policy_path == "/etc/refguard/strict.toml");
  CHECK(config.problems.empty());
}

TEST_CASE("hook config section and key names are case-insensitive", "[hook_config]") {
  auto config = parse("[RefGuard]\n  SOCKET = /a.sock\n  FAILMODE = Accept\n  TimeOut = 7\n");
  CHECK(config.socket_path == "/a.sock");
  CHECK(config.fail_mode == FailMode::kAccept);
  CHECK(config.timeout_ms == 7000);
}

TEST_CASE("hook config ignores the same keys in other sections", "[hook_config]") {
  auto config = parse(
      "[refguard]\n\tsocket = /mine.sock\n"
      "[other]\n\tsocket = /theirs.sock\n\tfailMode = accept\n"
      "[refguard \"sub\"]\n\tfailMode = reject\n");
  CHECK(config.socket_path == "/mine.sock");
  CHECK(config.fail_mode == FailMode::kInline);
}

TEST_CASE("hook config values: quotes, escapes, comments and whitespace", "[hook_config]") {
  struct Case {
    const char* line;
    const char* socket;
  };
  const std::vector<Case> cases = {
      {"socket = /plain.sock", "/plain.sock"},
      {"socket=/no-spaces.sock", "/no-spaces.sock"},
      {"socket = /with-comment.sock # a comment", "/with-comment.sock"},
      {"socket = /with-semicolon.sock ; a comment", "/with-semicolon.sock"},
      {"socket = \"/quoted # not a comment.sock\"", "/quoted # not a comment.sock"},
      {"socket = \"/quoted ; kept.sock\" ; dropped", "/quoted ; kept.sock"},
      {"socket = /a\\\"b.sock", "/a\"b.sock"},
      {"socket = /back\\\\slash.sock", "/back\\slash.sock"},
      {"socket = \"/part\"ial.sock", "/partial.sock"},
      {"\t  socket   =    /spaced.sock   ", "/spaced.sock"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto config = parse(std::string("[refguard]\n") + c.line + "\n");
    CHECK(config.socket_path == c.socket);
  }
}

TEST_CASE("hook config skips comment lines and allows a key on the section line", "[hook_config]") {
  auto config = parse(
      "# socket = /commented.sock\n"
      "; failMode = accept\n"
      "[refguard] socket = /same-line.sock\n"
      "  # timeout = 99\n"
      "  ; failMode = accept\n");
  CHECK(config.socket_path == "/same-line.sock");
  CHECK(config.fail_mode == FailMode::kInline);
  CHECK(config.timeout_ms == 10000);
}

TEST_CASE("hook config later values override earlier ones", "[hook_config]") {
  HookConfig config;
  apply_git_config_text("[refguard]\n\tsocket = /system.sock\n\tfailMode = accept\n", config);
  apply_git_config_text("[refguard]\n\tsocket = /repo.sock\n", config);
  CHECK(config.socket_path == "/repo.sock");
  CHECK(config.fail_mode == FailMode::kAccept);  // kept from the earlier file
}

TEST_CASE("hook config failMode values", "[hook_config]") {
  struct Case {
    const char* value;
    FailMode mode;
    bool problem;
  };
  const std::vector<Case> cases = {
      {"inline", FailMode::kInline, false}, {"reject", FailMode::kReject, false},
      {"accept", FailMode::kAccept, false}, {"REJECT", FailMode::kReject, false},
      {"\"accept\"", FailMode::kAccept, false}, {"open", FailMode::kInline, true},
      {"", FailMode::kInline, true},           {"rejected", FailMode::kInline, true},
  };
  for (const auto& c : cases) {
    INFO("failMode = " << c.value);
    auto config = parse(std::string("[refguard]\n\tfailMode = ") + c.value + "\n");
    CHECK(config.fail_mode == c.mode);
    CHECK(config.problems.empty() != c.problem);
    if (c.problem) {
      CHECK_THAT(config.problems, Catch::Contains("refguard.failMode"));
      CHECK_THAT(config.problems, Catch::Contains("using inline"));
    }
  }
  CHECK(parse_fail_mode("Inline") == FailMode::kInline);
  CHECK_FALSE(parse_fail_mode("none"));
  CHECK(to_string(FailMode::kAccept) == "accept");
  CHECK(to_string(FailMode::kReject) == "reject");
  CHECK(to_string(FailMode::kInline) == "inline");
}

TEST_CASE("hook config reports a bad timeout in problems and keeps the previous value", "[hook_config]") {
  struct Case {
    const char* value;
    int timeout_ms;  // expected afterwards
    bool problem;
  };
  const std::vector<Case> cases = {
      {"5", 5000, false},       {"0.25", 250, false},     {"3600", 3600000, false},
      {"abc", 10000, true},     {"10s", 10000, true},     {"0", 10000, true},
      {"-3", 10000, true},      {"3601", 10000, true},    {"", 10000, true},
  };
  for (const auto& c : cases) {
    INFO("timeout = " << c.value);
    auto config = parse(std::string("[refguard]\n\ttimeout = ") + c.value + "\n");
    CHECK(config.timeout_ms == c.timeout_ms);
    if (c.problem) CHECK_THAT(config.problems, Catch::Contains("refguard.timeout '" + std::string(c.value) + "'"));
    else CHECK(config.problems.empty());
  }
}

TEST_CASE("hook config problems accumulate over several bad values", "[hook_config]") {
  auto config = parse("[refguard]\n\tfailMode = sometimes\n\ttimeout = never\n");
  CHECK_THAT(config.problems, Catch::Contains("'sometimes'"));
  CHECK_THAT(config.problems, Catch::Contains("'never'"));
}

TEST_CASE("hook config loads the repository's config file, repository values winning", "[hook_config]") {
  refguard::test::TempDir dir;
  dir.write("config", "[core]\n\tbare = true\n[refguard]\n\tsocket = /from-repo.sock\n\tfailMode = accept\n");
  auto config = load_hook_config(dir.str());
  CHECK(config.socket_path == "/from-repo.sock");
  CHECK(config.fail_mode == FailMode::kAccept);
}
