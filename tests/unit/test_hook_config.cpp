#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ipc/git_config_query.h"
#include "ipc/hook_config.h"
#include "util/os_user.h"
#include "temp_repo.h"

using namespace refguard::ipc;
using refguard::test::TempDir;
using refguard::test::TempRepo;

namespace {

// Sets environment variables for one test and puts the old values back.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::optional<std::string>>> values) {
    for (auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      set(name, value);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) set(it->first, it->second);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Only the test's own config files count: not the machine's /etc/gitconfig or ~/.gitconfig.
ScopedEnv isolated_git(std::vector<std::pair<std::string, std::optional<std::string>>> more = {}) {
  more.insert(more.begin(), {{"GIT_CONFIG_NOSYSTEM", "1"},
                             {"GIT_CONFIG_GLOBAL", "/dev/null"},
                             {"GIT_CONFIG_PARAMETERS", std::nullopt},
                             {"GIT_CONFIG_COUNT", std::nullopt},
                             {"GIT_CONFIG", std::nullopt},
                             {"GIT_DIR", std::nullopt}});
  return ScopedEnv(std::move(more));
}

// A `git config -z --get-regexp` listing of key/value pairs (nullopt: a key without "=").
std::string listing(const std::vector<std::pair<std::string, std::optional<std::string>>>& entries) {
  std::string out;
  for (const auto& [key, value] : entries) {
    out += key;
    if (value) out += "\n" + *value;
    out.push_back('\0');
  }
  return out;
}

HookConfig apply(const std::vector<std::pair<std::string, std::optional<std::string>>>& entries) {
  HookConfig config;
  apply_git_config_listing(listing(entries), config);
  return config;
}

// A bare repository whose config file ends with `extra` (git config syntax).
struct ConfiguredRepo {
  explicit ConfiguredRepo(const std::string& extra) : repo(TempRepo::Kind::kBare) {
    std::ofstream(repo.path() + "/config", std::ios::app) << extra;
  }
  HookConfig load() const { return load_hook_config(repo.path()); }
  TempRepo repo;
};

// An executable shell script standing in for git.
std::string fake_git(const TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.write(name, "#!/bin/sh\n" + body + "\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_CASE("git config listing splits keys, values and keys without a value", "[hook_config]") {
  static const char kListing[] =
      "refguard.socket\n/a.sock\0refguard.glhookerr\0refguard.cli\nline one\nline two\0refguard.config\n\0";
  auto entries = parse_git_config_listing(std::string_view(kListing, sizeof kListing - 1));
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].key == "refguard.socket");
  CHECK(entries[0].value == "/a.sock");
  CHECK(entries[1].key == "refguard.glhookerr");
  CHECK_FALSE(entries[1].value);
  CHECK(entries[2].value == "line one\nline two");  // a value may hold newlines: split at the first only
  CHECK(entries[3].value == "");
  CHECK(parse_git_config_listing("").empty());
}

TEST_CASE("hook config defaults apply when git lists no refguard key", "[hook_config]") {
  auto config = apply({});
  CHECK(config.socket_path.empty());  // load_hook_config fills in the repository owner's socket
  CHECK(config.fail_mode == FailMode::kInline);
  CHECK(config.timeout_ms == 10000);
  CHECK(config.cli_path.empty());
  CHECK(config.policy_path.empty());
  CHECK_FALSE(config.gl_hook_err);
  CHECK(config.problems.empty());
}

TEST_CASE("hook config reads every refguard key", "[hook_config]") {
  auto config = apply({{"refguard.socket", "/tmp/rg.sock"},
                       {"refguard.failmode", "reject"},
                       {"refguard.timeout", "2.5"},
                       {"refguard.cli", "/usr/local/bin/refguard"},
                       {"refguard.config", "/etc/refguard/strict.toml"},
                       {"refguard.auditlog", "/var/log/refguard/audit.jsonl"},
                       {"refguard.glhookerr", "true"}});
  CHECK(config.socket_path == "/tmp/rg.sock");
  CHECK(config.fail_mode == FailMode::kReject);
  CHECK(config.timeout_ms == 2500);
  CHECK(config.cli_path == "/usr/local/bin/refguard");
  CHECK(config.policy_path == "/etc/refguard/strict.toml");
  CHECK(config.audit_log == "/var/log/refguard/audit.jsonl");
  CHECK(config.gl_hook_err);
  CHECK(config.problems.empty());
}

TEST_CASE("hook config ignores other sections, subsections and unknown keys", "[hook_config]") {
  auto config = apply({{"refguard.socket", "/mine.sock"},
                       {"other.socket", "/theirs.sock"},
                       {"refguard.sub.failmode", "reject"},
                       {"refguardx.failmode", "accept"},
                       {"refguard.unknown", "x"}});
  CHECK(config.socket_path == "/mine.sock");
  CHECK(config.fail_mode == FailMode::kInline);
  CHECK(config.problems.empty());
}

TEST_CASE("hook config: the last value of a key wins, and only it is checked", "[hook_config]") {
  auto config = apply({{"refguard.socket", "/system.sock"},
                       {"refguard.failmode", "accept"},
                       {"refguard.timeout", "never"},
                       {"refguard.socket", "/repo.sock"},
                       {"refguard.timeout", "3"}});
  CHECK(config.socket_path == "/repo.sock");
  CHECK(config.fail_mode == FailMode::kAccept);
  CHECK(config.timeout_ms == 3000);
  CHECK(config.problems.empty());  // 'never' was overridden
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
      {"open", FailMode::kInline, true},    {"", FailMode::kInline, true},
      {"rejected", FailMode::kInline, true},
  };
  for (const auto& c : cases) {
    INFO("failMode = " << c.value);
    auto config = apply({{"refguard.failmode", c.value}});
    CHECK(config.fail_mode == c.mode);
    CHECK(config.problems.empty() != c.problem);
    if (c.problem) {
      CHECK_THAT(config.problems, Catch::Contains("refguard.failMode"));
      CHECK_THAT(config.problems, Catch::Contains("using inline"));
    }
  }
  auto valueless = apply({{"refguard.failmode", std::nullopt}, {"refguard.socket", std::nullopt}});
  CHECK(valueless.fail_mode == FailMode::kInline);
  CHECK(valueless.socket_path.empty());
  CHECK_THAT(valueless.problems, Catch::Contains("refguard.socket has no value"));
  CHECK(parse_fail_mode("Inline") == FailMode::kInline);
  CHECK_FALSE(parse_fail_mode("none"));
  CHECK(to_string(FailMode::kAccept) == "accept");
  CHECK(to_string(FailMode::kReject) == "reject");
  CHECK(to_string(FailMode::kInline) == "inline");
}

TEST_CASE("hook config reports a bad timeout in problems and keeps the default", "[hook_config]") {
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
    auto config = apply({{"refguard.timeout", c.value}});
    CHECK(config.timeout_ms == c.timeout_ms);
    if (c.problem) CHECK_THAT(config.problems, Catch::Contains("refguard.timeout '" + std::string(c.value) + "'"));
    else CHECK(config.problems.empty());
  }
}

TEST_CASE("hook config glHookErr is a git boolean", "[hook_config]") {
  const std::vector<std::pair<std::optional<std::string>, bool>> cases = {
      {std::nullopt, true}, {"true", true}, {"Yes", true}, {"on", true}, {"1", true},
      {"false", false},     {"no", false},  {"0", false},  {"", false},
  };
  for (const auto& [value, expected] : cases) {
    INFO("glHookErr = " << value.value_or("(no value)"));
    CHECK(apply({{"refguard.glhookerr", value}}).gl_hook_err == expected);
  }
}

TEST_CASE("hook config problems accumulate over several bad values", "[hook_config]") {
  auto config = apply({{"refguard.failmode", "sometimes"}, {"refguard.timeout", "never"}});
  CHECK_THAT(config.problems, Catch::Contains("'sometimes'"));
  CHECK_THAT(config.problems, Catch::Contains("'never'"));
}

TEST_CASE("hook config asks git: quoting, escapes and comments are git's", "[hook_config]") {
  auto env = isolated_git();
  struct Case {
    const char* line;
    const char* socket;
  };
  const std::vector<Case> cases = {
      {"socket = /plain.sock", "/plain.sock"},
      {"socket = /with-comment.sock # a comment", "/with-comment.sock"},
      {"socket = \"/quoted # not a comment.sock\"", "/quoted # not a comment.sock"},
      {"socket = /a\\\"b.sock", "/a\"b.sock"},
      {"socket = /back\\\\slash.sock", "/back\\slash.sock"},
      {"socket = \"/part\"ial.sock", "/partial.sock"},
      {"\t  SOCKET   =    /spaced.sock   ", "/spaced.sock"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    ConfiguredRepo repo(std::string("[RefGuard]\n") + c.line + "\n");
    auto config = repo.load();
    CHECK(config.socket_path == c.socket);
    CHECK(config.problems.empty());
  }
}

TEST_CASE("hook config follows include.path and includeIf gitdir: as git does", "[hook_config]") {
  auto env = isolated_git();
  TempDir dir;
  std::string included = dir.write("included", "[refguard]\n\tfailMode = reject\n\tsocket = /included.sock\n");
  std::string other = dir.write("other", "[refguard]\n\tsocket = /other-repo.sock\n");
  ConfiguredRepo repo("[include]\n\tpath = " + included + "\n[refguard]\n\tsocket = /after-include.sock\n");
  auto config = repo.load();
  CHECK(config.fail_mode == FailMode::kReject);
  CHECK(config.socket_path == "/after-include.sock");  // the later value wins, as in git

  std::ofstream(repo.repo.path() + "/config", std::ios::app)
      << "[includeIf \"gitdir:" << repo.repo.path() << "/\"]\n\tpath = " << included << "\n"
      << "[includeIf \"gitdir:/nowhere/\"]\n\tpath = " << other << "\n";
  config = repo.load();
  CHECK(config.socket_path == "/included.sock");
  CHECK(config.problems.empty());
}

TEST_CASE("hook config takes `git -c` values (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT) last", "[hook_config]") {
  ConfiguredRepo repo("[refguard]\n\tfailMode = accept\n\tsocket = /repo.sock\n");
  {
    auto env = isolated_git({{"GIT_CONFIG_PARAMETERS", "'refguard.failMode'='reject'"}});
    CHECK(repo.load().fail_mode == FailMode::kReject);
  }
  {
    auto env = isolated_git({{"GIT_CONFIG_COUNT", "1"},
                             {"GIT_CONFIG_KEY_0", "refguard.socket"},
                             {"GIT_CONFIG_VALUE_0", "/count.sock"}});
    CHECK(repo.load().socket_path == "/count.sock");
  }
}

TEST_CASE("hook config ignores GIT_CONFIG, which receive-pack ignores too", "[hook_config]") {
  TempDir dir;
  std::string file = dir.write("only", "[refguard]\n\tsocket = /git-config-env.sock\n");
  auto env = isolated_git({{"GIT_CONFIG", file}});
  ConfiguredRepo repo("[refguard]\n\tsocket = /repo.sock\n");
  CHECK(repo.load().socket_path == "/repo.sock");
}

TEST_CASE("hook config asks about the repository it is given, whatever GIT_DIR the hook inherited", "[hook_config]") {
  ConfiguredRepo other("[refguard]\n\tsocket = /other.sock\n");
  auto env = isolated_git({{"GIT_DIR", other.repo.path()}});
  ConfiguredRepo repo("[refguard]\n\tsocket = /repo.sock\n");
  CHECK(repo.load().socket_path == "/repo.sock");
}

TEST_CASE("hook config: git that cannot answer gives the defaults and a problem", "[hook_config]") {
  auto env = isolated_git();
  ConfiguredRepo repo("[refguard]\n\tfailMode = accept\n\tsocket = /repo.sock\n");
  TempDir dir;
  struct Case {
    std::string git;
    const char* why;
  };
  const std::vector<Case> cases = {
      {dir.str() + "/no-such-git", "cannot run"},
      {fake_git(dir, "crashes", "kill -SEGV $$"), "killed by signal 11"},
      {fake_git(dir, "fatal", "exit 128"), "exited with status 128"},
      {fake_git(dir, "half-listing", "printf 'refguard.failmode\\naccept\\0'; exit 3"), "exited with status 3"},
      {fake_git(dir, "chatty", "head -c 70000 /dev/zero"), "more than 64 KiB"},
  };
  for (const auto& c : cases) {
    INFO(c.git << ": " << c.why);
    auto config = load_hook_config(repo.repo.path(), c.git);
    CHECK(config.fail_mode == FailMode::kInline);
    // Without a setting: the daemon of the repository's owner (refguard@OWNER).
    CHECK(config.socket_path == "/run/refguard/" + refguard::user_name(::geteuid()) + ".sock");
    CHECK_THAT(config.problems, Catch::Contains("cannot read the refguard.* settings"));
    CHECK_THAT(config.problems, Catch::Contains(c.why));
    CHECK_THAT(config.problems, Catch::Contains("failMode=inline"));
  }
}

TEST_CASE("hook config: a repository without refguard keys is no problem (git exits 1)", "[hook_config]") {
  auto env = isolated_git();
  ConfiguredRepo repo("");
  auto config = repo.load();
  CHECK(config.problems.empty());
  CHECK(config.fail_mode == FailMode::kInline);
}
