// Inline `refguard:allow`: the grammar of a line's allows, and what they
// silence under a policy (issue 15, item 2: never a locked rule's finding,
// only the rules an allow names, and every silenced finding set aside for the
// audit record).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/inline_allow.h"
#include "policy_builder.h"

using namespace refguard;
using engine::Finding;
using engine::InlineAllow;

namespace {

const std::string kPolicy = R"(
version = 1
locked = ["locked-rule"]

[[rule]]
id = "free-rule"
[rule.detector]
type = "regex"
pattern = '''free_[a-z]{8}'''

[[rule]]
id = "locked-rule"
[rule.detector]
type = "regex"
pattern = '''locked_[a-z]{8}'''

[[rule]]
id = "unbypassable-rule"
allow_bypass = false
[rule.detector]
type = "regex"
pattern = '''fixed_[a-z]{8}'''
)";

Finding marked(const std::string& rule, InlineAllow mark, const std::string& names = "") {
  Finding f;
  f.rule_id = rule;
  f.path = "src/a.py";
  f.line = 3;
  f.masked = "free_…(13 chars)";
  f.inline_allow = mark;
  f.allow_names = names;
  return f;
}

// What the pusher reads, wrapped lines joined again (without their prefix and indentation).
std::string transcript(const engine::InlineAllowOutcome& outcome) {
  std::string text;
  for (const auto& line : outcome.lines) {
    std::string_view words = std::string_view(line.text).substr(engine::prefixed("").size());
    if (words.starts_with("    ")) words = words.substr(4);
    text += (text.empty() ? "" : " ") + std::string(words);
  }
  return text;
}

}  // namespace

TEST_CASE("inline allow: the grammar of refguard:allow", "[inline_allow]") {
  struct Case {
    std::string line;
    bool present;
    bool bare;
    std::vector<std::string> ids;
    std::vector<std::string> not_allows;
  };
  const std::vector<Case> cases = {
      {"x = 1", false, false, {}, {}},
      {"x  # refguard:allow", true, true, {}, {}},
      {"x  /* refguard:allow */", true, true, {}, {}},
      {"x  /* refguard:allow*/", true, true, {}, {}},
      {"x  <!-- refguard:allow -->", true, true, {}, {}},
      {"x  # refguard:allow -- a test fixture", true, true, {}, {}},
      {"x  # refguard:allow (a test fixture)", true, true, {}, {}},
      {"x  # refguard:allow:", true, true, {}, {}},
      {"x  # refguard:allow rule-a", true, false, {"rule-a"}, {}},
      {"x  # refguard:allow: rule-a", true, false, {"rule-a"}, {}},
      {"x  # refguard:allow = rule-a", true, false, {"rule-a"}, {}},
      {"x  # refguard:allow a,b-c , gitleaks.d_e -- why", true, false, {"a", "b-c", "gitleaks.d_e"}, {}},
      {"x  # refguard:allow rule-a rule-b", true, false, {"rule-a"}, {}},  // no comma: the rest is free text
      {"x  # refguard:allow test fixture", true, false, {"test"}, {}},     // a reason where an id goes
      {"x  # refguard:allowXYZ", true, false, {}, {"refguard:allowXYZ"}},
      {"x  # refguard:allow-all", true, false, {}, {"refguard:allow-all"}},
      {"x  # refguard:allow_everything_here_and_more", true, false, {}, {"refguard:allow_everything_…"}},
      {"x  # refguard:allowXYZ refguard:allow rule-a", true, false, {"rule-a"}, {"refguard:allowXYZ"}},
      {"x  # refguard:allow rule-a refguard:allow", true, true, {"rule-a"}, {}},
      {"x  # REFGUARD:ALLOW", false, false, {}, {}},
      {"x  # refguard-allow", false, false, {}, {}},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto allows = engine::read_inline_allows(c.line);
    CHECK(allows.present == c.present);
    CHECK(allows.bare == c.bare);
    CHECK(allows.ids == c.ids);
    CHECK(allows.not_allows == c.not_allows);
  }
}

TEST_CASE("inline allow: a bare allow or one naming the rule names it; anything else names others", "[inline_allow]") {
  struct Case {
    std::string line;
    InlineAllow mark;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"x", InlineAllow::kNone, ""},
      {"x # refguard:allow", InlineAllow::kNamesRule, ""},
      {"x # refguard:allow free-rule", InlineAllow::kNamesRule, ""},
      {"x # refguard:allow other-rule, free-rule", InlineAllow::kNamesRule, ""},
      {"x # refguard:allow other-rule", InlineAllow::kNamesOther, "other-rule"},
      {"x # refguard:allowXYZ", InlineAllow::kNamesOther, "refguard:allowXYZ"},
      {"x # refguard:allow a, b, c, d, e", InlineAllow::kNamesOther, "a b c d"},  // a few, for the pusher
      {"x # refguard:allow sk-proj-" + std::string(60, 'A'), InlineAllow::kNamesOther,
       "sk-proj-" + std::string(32, 'A') + "…"},  // never a whole pasted key
  };
  for (const auto& c : cases) {
    INFO(c.line);
    std::string names;
    CHECK(engine::judge_inline_allow(engine::read_inline_allows(c.line), "free-rule", names) == c.mark);
    CHECK(names == c.names);
  }
}

TEST_CASE("inline allow: a bypassable rule's finding is silenced and set aside; the pusher is told", "[inline_allow]") {
  auto policy = testing::compile_policy(kPolicy);
  std::vector<Finding> findings = {marked("free-rule", InlineAllow::kNamesRule),
                                   marked("free-rule", InlineAllow::kNone)};
  auto outcome = engine::apply_inline_allows(*policy, findings, true);
  INFO(transcript(outcome));
  REQUIRE(outcome.silenced.size() == 1);
  CHECK(outcome.silenced[0].rule_id == "free-rule");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].inline_allow == InlineAllow::kNone);
  CHECK(transcript(outcome).find("1 finding silenced by refguard:allow (free-rule): recorded in the audit log") !=
        std::string::npos);
  auto offline = std::vector<Finding>{marked("free-rule", InlineAllow::kNamesRule)};
  auto scanned = engine::apply_inline_allows(*policy, offline, false);
  CHECK(transcript(scanned).find("recorded in the audit log") == std::string::npos);  // an offline scan audits nothing
}

TEST_CASE("inline allow: a locked or unbypassable rule's finding is never silenced, and the pusher is told why",
          "[inline_allow]") {
  auto policy = testing::compile_policy(kPolicy);
  std::vector<Finding> findings = {marked("locked-rule", InlineAllow::kNamesRule),
                                   marked("unbypassable-rule", InlineAllow::kNamesRule)};
  auto outcome = engine::apply_inline_allows(*policy, findings, true);
  std::string said = transcript(outcome);
  INFO(said);
  CHECK(outcome.silenced.empty());
  CHECK(findings.size() == 2);
  CHECK(said.find("refguard:allow ignored: rule 'locked-rule' is locked by the system policy (at src/a.py:3)") !=
        std::string::npos);
  CHECK(said.find("refguard:allow ignored: nobody may bypass rule 'unbypassable-rule'") != std::string::npos);
}

TEST_CASE("inline allow: an allow naming another rule, no rule, or no allow at all silences nothing and says so",
          "[inline_allow]") {
  auto policy = testing::compile_policy(kPolicy);
  std::vector<Finding> findings = {
      marked("free-rule", InlineAllow::kNamesOther, "locked-rule no-such-rule refguard:allowXYZ")};
  auto outcome = engine::apply_inline_allows(*policy, findings, true);
  std::string said = transcript(outcome);
  INFO(said);
  CHECK(outcome.silenced.empty());
  CHECK(findings.size() == 1);
  for (const char* part : {"refguard:allow at src/a.py:3 does not name rule 'free-rule'", "'locked-rule', another rule",
                           "'no-such-rule', which is no rule of this policy", "'refguard:allowXYZ' is not an allow",
                           "`refguard:allow -- REASON`"})
    CHECK(said.find(part) != std::string::npos);
}
