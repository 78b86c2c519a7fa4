// Known, accepted findings (engine/finding_ignore.h), like .gitleaksignore.
#include <catch2/catch.hpp>

#include "engine/finding_ignore.h"
#include "policy_builder.h"

using namespace refguard;

namespace {
engine::Finding finding(const std::string& rule, const std::string& id) {
  engine::Finding f;
  f.rule_id = rule;
  f.id = id;
  return f;
}
}  // namespace

TEST_CASE("an ignore file holds one finding id per line, with comments", "[ignore]") {
  engine::IgnoreList list;
  engine::parse_ignore_text("# accepted\n7d294fbb\n  1234abcd   # test fixture, INC-42\n\nnot-an-id\n", ".refguardignore",
                            list);
  CHECK(list.ids == std::set<std::string>{"7d294fbb", "1234abcd"});
  REQUIRE(list.problems.size() == 1);
  CHECK(list.problems[0] == ".refguardignore:5: 'not-an-id' is not a finding id (8 hex digits)");
}

TEST_CASE("ignored findings are dropped, except those of locked rules", "[ignore]") {
  auto policy = testing::compile_policy(R"(version = 1
locked = ["openai-api-key"]
[[rule]]
id = "openai-api-key"
[rule.detector]
type = "regex"
pattern = "sk-proj-[A-Za-z0-9]{20}"
[[rule]]
id = "torch-load-without-weights-only"
action = "warn"
[rule.detector]
type = "regex"
pattern = "torch[.]load[(]"
)");
  engine::IgnoreList list;
  engine::parse_ignore_text("aaaaaaaa\nbbbbbbbb\n", "ignore", list);
  std::vector<engine::Finding> findings = {finding("torch-load-without-weights-only", "aaaaaaaa"),
                                           finding("openai-api-key", "bbbbbbbb"), finding("openai-api-key", "cccccccc")};
  auto outcome = engine::drop_ignored(*policy, list, findings);
  CHECK(outcome.ignored == 1);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].id == "bbbbbbbb");
  REQUIRE(outcome.notes.size() == 1);
  CHECK_THAT(outcome.notes[0], Catch::Contains("locked"));
}

TEST_CASE("the pusher is told what was left out and what could not be", "[ignore]") {
  engine::IgnoreList list;
  engine::parse_ignore_text("aaaaaaaa\nxyz\n", ".refguardignore (default branch)", list);
  engine::IgnoreOutcome outcome;
  outcome.ignored = 1;
  outcome.notes.push_back("finding bbbbbbbb is listed as ignored, but rule 'openai-api-key' is locked");
  auto lines = engine::ignore_report_lines(list, outcome);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].kind == ipc::LineKind::kWarning);
  CHECK(lines[2].text == "refguard: 1 known finding listed in .refguardignore (default branch) not reported");
}

TEST_CASE("a missing ignore file given by name is an error that says why", "[ignore]") {
  engine::IgnoreList list;
  auto read = engine::read_ignore_file("/nonexistent/refguardignore", list);
  REQUIRE(!read);
  CHECK_THAT(read.error().message, Catch::Contains("No such file or directory"));
}
