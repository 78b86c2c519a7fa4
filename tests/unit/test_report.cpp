// What the pusher reads (engine/report.h): a summary first, warnings grouped
// by rule with the remedy once, counts in the singular where they are one,
// long lines wrapped, and the rebase advice only where a rebase is needed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/bypass.h"
#include "engine/report.h"
#include "object_ids.h"
#include "policy_builder.h"

using namespace refguard;
using engine::Finding;

namespace {

const std::string kLongRemedy =
    "Pass weights_only=True to torch.load (the default from PyTorch 2.6 on; allowlist extra types with "
    "torch.serialization.add_safe_globals), or store weights as safetensors and load them with "
    "safetensors.torch.load_file.";

Finding warning(const std::string& path, uint32_t line) {
  Finding f;
  f.rule_id = "torch-load-without-weights-only";
  f.description = "torch.load without weights_only=True";
  f.remedy = kLongRemedy;
  f.severity = detect::Severity::kWarn;
  f.commit_id = refguard::test::oid("75bdb4b6b8" + std::string(30, 'a'));
  f.commit_subject = "Load models";
  f.path = path;
  f.line = line;
  f.detail = "`model = torch.load(path)`";
  f.id = "1234abcd";
  return f;
}

Finding blocking(const std::string& path, const std::string& commit) {
  Finding f;
  f.rule_id = "openai-api-key";
  f.description = "OpenAI API key";
  f.remedy = "Remove the key from the file and revoke it.";
  f.commit_id = refguard::test::oid(commit + std::string(40 - commit.size(), '0'));  // "c1" -> c100...0
  f.commit_subject = "Add client";
  f.path = path;
  f.line = 2;
  f.masked = "sk-proj-…(156 chars)";
  f.id = "7d294fbb";
  return f;
}

std::vector<std::string> texts(const std::vector<engine::ReportLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text);
  return out;
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  return static_cast<size_t>(std::count_if(lines.begin(), lines.end(),
                                           [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

}  // namespace

TEST_CASE("18 warnings of one rule print one heading, the remedy once and their locations", "[report]") {
  std::vector<Finding> findings;
  for (uint32_t i = 0; i < 18; ++i) findings.push_back(warning("src/m" + std::to_string(i % 6) + ".py", i + 1));
  auto lines = texts(engine::format_findings({&findings, 100, false, 3}));
  CHECK(lines.front() == "refguard: 18 warnings in 6 files");
  CHECK(count_containing(lines, "warning [torch-load-without-weights-only]") == 1);
  CHECK(count_containing(lines, "(18 findings)") == 1);
  CHECK(count_containing(lines, "fix: Pass weights_only=True") == 1);
  CHECK(count_containing(lines, "    at src/m") == 18);
  CHECK(lines.size() <= 1 + 1 + 18 + 4);  // summary, heading, locations, a wrapped remedy
}

TEST_CASE("the summary line counts blocking findings, warnings and files", "[report]") {
  std::vector<Finding> findings = {blocking("a.py", "c1"), blocking("b.py", "c1"), blocking("c.py", "c2"),
                                   warning("a.py", 5)};
  auto lines = texts(engine::format_findings({&findings, 10, true, 2}));
  CHECK(lines.front() == "refguard: 3 blocking findings, 1 warning in 3 files");
  CHECK(count_containing(lines, "BLOCKED [openai-api-key]") == 3);
  CHECK(count_containing(lines, "(finding 7d294fbb)") == 3);
  CHECK(count_containing(lines, "fix: Remove the key") == 1);  // once per rule
}

TEST_CASE("a single finding, file and commit are singular", "[report]") {
  std::vector<Finding> findings = {blocking("a.py", "c1")};
  auto lines = texts(engine::format_findings({&findings, 10, true, 1}));
  CHECK(lines.front() == "refguard: 1 blocking finding in 1 file");
  CHECK(count_containing(lines, "older: `git rebase") == 0);
  CHECK(count_containing(lines, "git commit --amend") == 1);
}

TEST_CASE("the rebase advice is for multi-commit pushes", "[report]") {
  std::vector<Finding> findings = {blocking("a.py", "c1aaaaaaaaaa")};
  auto lines = texts(engine::format_findings({&findings, 10, true, 4}));
  CHECK(count_containing(lines, "git rebase -i c1aaaaaaaa^") == 1);
}

TEST_CASE("long lines wrap at about 100 columns", "[report]") {
  std::vector<Finding> findings = {warning("a.py", 1)};
  auto lines = texts(engine::format_findings({&findings, 10, false, 1}));
  size_t fix_lines = 0;
  for (const auto& line : lines) {
    if (line.find("fix:") != std::string::npos || line.starts_with("refguard:          ")) ++fix_lines;
    if (line.find("    at ") == std::string::npos) CHECK(line.size() <= engine::kReportWidth);
  }
  CHECK(fix_lines >= 3);
  CHECK(engine::wrap_words("a bb ccc", 4, "  ") == std::vector<std::string>{"a bb", "  ccc"});
  CHECK(engine::wrap_words("    fix: x", 80, "  ") == std::vector<std::string>{"    fix: x"});
}

TEST_CASE("a refused bypass names the contact and the bypass users", "[report][bypass]") {
  auto policy = testing::compile_policy(R"(
version = 1
[settings]
bypass_users = ["alice"]
contact = "security@example.test"
[[rule]]
id = "openai-api-key"
bypass_users = ["bob"]
[rule.detector]
type = "regex"
pattern = "sk-proj-[A-Za-z0-9]{20}"
)");
  std::string ask = engine::whom_to_ask(*policy, "openai-api-key");
  CHECK_THAT(ask, Catch::Contains("security@example.test"));
  CHECK_THAT(ask, Catch::Contains("alice"));
  CHECK_THAT(ask, Catch::Contains("bob"));
  std::vector<Finding> findings = {blocking("a.py", "c1")};
  auto outcome = engine::apply_bypass(*policy, "mallory", engine::parse_push_options({"refguard.bypass=now"}), findings);
  auto lines = texts(outcome.lines);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("mallory may not bypass rule 'openai-api-key'"));
  CHECK_THAT(lines[0], Catch::Contains("alice, bob may bypass it"));
}
