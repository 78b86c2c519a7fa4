#include <catch2/catch.hpp>

#include "detector_builder.h"
#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "detect/path_detector.h"
#include "detect/registry.h"
#include "util/glob.h"

using namespace refguard::detect;

namespace {

using Built = refguard::testing::BuiltDetector;

Built build(std::string_view snippet) { return refguard::testing::build_detector(&make_path_detector, snippet, "rule-id", "test.toml"); }

std::vector<Hit> scan(const Detector& detector, std::string_view path) {
  FileView file;
  file.path = path;
  file.content = "anything";
  std::vector<Hit> hits;
  detector.scan_file(file, hits);
  return hits;
}

struct Case {
  const char* path;
  const char* matched_glob;  // nullptr = no hit
};

}  // namespace

TEST_CASE("path detector fires on files named by its globs", "[path]") {
  auto built = build(R"(type = "path"
globs = [".env", ".env.*", "id_rsa", "*.p12", "secrets/**"])");
  REQUIRE(built.finished);
  REQUIRE(built.detector);
  CHECK_FALSE(built.detector->wants_lines());

  const std::vector<Case> cases = {
      {".env", ".env"},
      {"services/api/.env", ".env"},
      {".env.production", ".env.*"},
      {"deploy/.env.local", ".env.*"},
      {"home/.ssh/id_rsa", "id_rsa"},
      {"certs/client.p12", "*.p12"},
      {"secrets/db/password.txt", "secrets/**"},
      {"README.md", nullptr},
      {"src/env.py", nullptr},
      {"home/.ssh/id_rsa.pub", nullptr},
      {"certs/client.P12", nullptr},
      {"app/secrets/db.txt", nullptr},
      {"docs/dotenv.md", nullptr},
  };
  for (const auto& row : cases) {
    INFO("path " << row.path);
    auto hits = scan(*built.detector, row.path);
    if (!row.matched_glob) {
      CHECK(hits.empty());
      continue;
    }
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].line == 0);
    CHECK(hits[0].secret.empty());
    CHECK(hits[0].detail == std::string("path matches '") + row.matched_glob + "'");
  }
}

TEST_CASE("path detector may report only at paths its globs match", "[path]") {
  auto built = build(R"(type = "path"
globs = [".env", ".env.*", "id_rsa", "*.p12", "secrets/**"])");
  REQUIRE(built.detector);
  for (const char* path : {".env", "a/.env.local", "home/.ssh/id_rsa", "c.p12", "secrets/x", "README.md",
                           "src/env.py", "id_rsa.pub", "app/secrets/db.txt"}) {
    INFO("path " << path);
    CHECK(built.detector->may_report_at(path) == !scan(*built.detector, path).empty());
  }
}

TEST_CASE("path detector rejects missing, empty and malformed globs", "[path]") {
  struct Bad {
    const char* snippet;
    const char* mentions;
  };
  const std::vector<Bad> cases = {
      {R"(type = "path")", "detector.globs: is required"},
      {R"(type = "path"
globs = [])", "detector.globs: is required"},
      {R"(type = "path"
globs = ["ok", "[unclosed"])", "'[unclosed'"},
      {R"(type = "path"
globs = ["*.key"]
glob = "typo")", "detector.glob: unknown key"},
  };
  for (const auto& row : cases) {
    INFO(row.snippet);
    auto built = build(row.snippet);
    REQUIRE_FALSE(built.finished);
    CHECK_THAT(built.finished.error().message, Catch::Contains(row.mentions));
    CHECK_THAT(built.finished.error().message, Catch::Contains("test.toml:"));
    CHECK_THAT(built.finished.error().message, Catch::Contains("rule 'rule-id'"));
  }
}

namespace {

// The rules this detector family ships in the built-in policy: every detector
// table must build, and every path list must compile as globs.
struct BuiltinRule {
  std::string id;
  std::vector<refguard::Glob> paths;      // empty = every file
  std::vector<refguard::Glob> allowlist;  // paths exempted
  std::unique_ptr<Detector> detector;
};

std::vector<refguard::Glob> globs_at(const toml::table& table, std::string_view key) {
  std::vector<std::string> patterns;
  if (const toml::array* array = table[key].as_array())
    for (const auto& element : *array) patterns.push_back(element.value_or(std::string()));
  auto globs = refguard::compile_globs(patterns);
  REQUIRE(globs);
  return std::move(*globs);
}

std::vector<BuiltinRule> load_builtin(const std::string& name) {
  const toml::table root = toml::parse_file(
      (std::filesystem::path(REFGUARD_TEST_DATA).parent_path().parent_path() / "config/builtin" / name).string());
  std::vector<BuiltinRule> rules;
  for (const auto& node : *root["rule"].as_array()) {
    const toml::table& rule = *node.as_table();
    BuiltinRule built{rule["id"].value_or(std::string()), globs_at(rule, "paths"), {}, nullptr};
    if (const toml::table* allowlist = rule["allowlist"].as_table()) built.allowlist = globs_at(*allowlist, "paths");
    const toml::table& detector = *rule["detector"].as_table();
    DetectorFactory factory = find_detector_factory(detector["type"].value_or(std::string()));
    REQUIRE(factory);
    DetectorParams params(detector, name, built.id);
    built.detector = factory(params);
    auto finished = params.finish();
    INFO(built.id << ": " << (finished ? "" : finished.error().message));
    REQUIRE(finished);
    REQUIRE(built.detector);
    rules.push_back(std::move(built));
  }
  return rules;
}

// Whether `rule` would report `path` as a whole file, honouring scope and allowlist.
bool reports(const BuiltinRule& rule, std::string_view path, std::string_view content = "x") {
  if (!rule.paths.empty() && !refguard::first_match(rule.paths, path)) return false;
  if (refguard::first_match(rule.allowlist, path)) return false;
  FileView file;
  file.path = path;
  file.content = content;
  std::vector<Hit> hits;
  rule.detector->scan_file(file, hits);
  return !hits.empty();
}

}  // namespace

TEST_CASE("built-in file rules build and flag the right paths", "[path][size]") {
  const auto rules = load_builtin("60-files.toml");
  REQUIRE(rules.size() == 4);  // env files, private keys, model weights, notebook outputs (off)
  const auto& env = rules[0];
  const auto& keys = rules[1];
  const auto& weights = rules[2];
  struct Row {
    const BuiltinRule& rule;
    const char* path;
    bool reported;
  };
  const std::vector<Row> rows = {
      {env, ".env", true},
      {env, "api/.env.production", true},
      {env, ".env.local", true},
      {env, ".env.example", false},
      {env, "web/.env.sample", false},
      {env, ".env.template", false},
      {env, ".env.local.example", false},
      {env, "env.py", false},
      {keys, "deploy/id_rsa", true},
      {keys, "id_ed25519", true},
      {keys, "certs/server.key", true},
      {keys, "store.p12", true},
      {keys, "id_rsa.pub", false},
      {keys, "certs/server.crt", false},
  };
  for (const auto& row : rows) {
    INFO(row.rule.id << " " << row.path);
    CHECK(reports(row.rule, row.path) == row.reported);
  }
  const std::string big(50 * 1024 * 1024 + 1, 'w');
  CHECK(reports(weights, "models/model.safetensors", big));
  CHECK_FALSE(reports(weights, "models/model.safetensors", std::string_view(big).substr(0, 1024)));
  CHECK_FALSE(reports(weights, "data/big.csv", big));
}

TEST_CASE("built-in hidden-unicode rules build with the intended scopes", "[path][unicode]") {
  const auto rules = load_builtin("30-hidden-unicode.toml");
  REQUIRE(rules.size() == 4);  // agent files, bidi in code, invisible in code, confusables
  const auto& agent = rules[0];
  const auto& source = rules[1];
  CHECK(agent.id == "hidden-unicode-agent-files");
  CHECK(source.id == "trojan-source-bidi");
  // The detectors decide by file kind (detect/file_kind.h); the allowlist exempts agent folders.
  auto in_scope = [](const BuiltinRule& rule, std::string_view path) {
    return (rule.paths.empty() || refguard::first_match(rule.paths, path)) &&
           !refguard::first_match(rule.allowlist, path) && rule.detector->may_report_at(path);
  };
  for (const char* path : {"AGENTS.md", "CLAUDE.md", ".claude/commands/x.md", ".cursor/rules/a.mdc", "rules/b.mdc",
                           "pkg/AGENTS.md", ".github/prompts/p.prompt.md", "docs/x.prompt", "prompts/system.txt"}) {
    INFO(path);
    CHECK(in_scope(agent, path));
    CHECK_FALSE(in_scope(source, path));
  }
  for (const char* path : {"src/main.py", "lib/a.ts", "cmd/x.go", "src/lib.rs", "a/b.cpp", "run.sh", "x.cs", "y.csx",
                           "boot.s", "App.swift", "Main.kt", "Dockerfile"}) {
    INFO(path);
    CHECK(in_scope(source, path));
    CHECK_FALSE(in_scope(agent, path));
  }
  CHECK_FALSE(in_scope(source, ".claude/hooks/check.sh"));  // left to the agent-file rule
  CHECK(in_scope(agent, ".claude/hooks/check.sh"));
}
