#include <catch2/catch.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "engine/policy_store.h"
#include "engine/prefilter.h"
#include "policy/policy_layer.h"
#include "policy_builder.h"

using namespace refguard;
using testing::compile_policy;
using engine::CompiledPolicy;
using engine::Prefilter;

namespace {

std::string regex_rule(const std::string& id, const std::string& pattern, const std::string& keywords = "") {
  std::string text = "[[rule]]\nid = \"" + id + "\"\n[rule.detector]\ntype = \"regex\"\npattern = '''" + pattern + "'''\n";
  if (!keywords.empty()) text += "keywords = " + keywords + "\n";
  return text;
}

std::vector<uint32_t> finding_lines(const CompiledPolicy& policy, const std::string& content) {
  std::vector<uint32_t> lines;
  for (const auto& f : engine::scan_blob(policy, "src/a.py", "", content, false)) lines.push_back(f.line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct Built {
  std::shared_ptr<const Prefilter> prefilter;
  std::vector<std::string> notes;
};

Built build(const std::vector<detect::PrefilterSpec>& specs) {
  std::vector<Prefilter::Entry> entries;
  for (size_t i = 0; i < specs.size(); ++i) entries.push_back({i, specs[i]});
  Built built;
  auto compiled = Prefilter::compile(entries, built.notes);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  built.prefilter = *compiled;
  return built;
}

// Candidate line indexes (0-based) per entry for `content`.
std::vector<std::vector<uint32_t>> candidates_of(const Prefilter& prefilter, const std::string& content) {
  auto lines = engine::split_lines(content);
  std::vector<std::vector<uint32_t>> candidates;
  prefilter.candidates(content, lines, candidates);
  return candidates;
}

bool contains_caseless(std::string_view line, std::string_view keyword) {
  auto it = std::search(line.begin(), line.end(), keyword.begin(), keyword.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != line.end();
}

// Lines (0-based) RE2 would confirm for `spec`: the regex matches the line alone,
// and the line holds a keyword when there are keywords.
std::vector<uint32_t> expected_lines(const detect::PrefilterSpec& spec, const std::vector<detect::AddedLine>& lines) {
  RE2 regex(spec.regex.empty() ? "" : spec.regex);
  REQUIRE(regex.ok());
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < lines.size(); ++i) {
    re2::StringPiece text(lines[i].text.data(), lines[i].text.size());
    if (!spec.regex.empty() && !RE2::PartialMatch(text, regex)) continue;
    if (!spec.keywords.empty() &&
        std::none_of(spec.keywords.begin(), spec.keywords.end(),
                     [&](const std::string& k) { return contains_caseless(lines[i].text, k); }))
      continue;
    out.push_back(i);
  }
  return out;
}

// Reports (through Catch) each line RE2 matches that the prefilter left out;
// returns how many (entry, line) matches RE2 has, so that a test can also
// check it looked at the lines it meant to (a pattern matching nothing would
// pass vacuously).
size_t check_no_line_missing(const std::vector<detect::PrefilterSpec>& specs, const std::string& content) {
  auto built = build(specs);
  auto lines = engine::split_lines(content);
  std::vector<std::vector<uint32_t>> candidates;
  built.prefilter->candidates(content, lines, candidates);
  REQUIRE(candidates.size() == specs.size());
  size_t matches = 0;
  for (size_t e = 0; e < specs.size(); ++e) {
    for (uint32_t line : expected_lines(specs[e], lines)) {
      ++matches;
      bool present = std::binary_search(candidates[e].begin(), candidates[e].end(), line);
      if (!present) {
        INFO("pattern " << specs[e].regex << " missed line " << line + 1 << ": " << lines[line].text);
        CHECK(present);
      }
    }
  }
  return matches;
}

std::string random_text(std::mt19937& random, size_t line_count) {
  // Small alphabet so the patterns below match often, with line-edge cases.
  static const std::vector<std::string> pieces = {"a",  "b",  "c",   "x",   "y",   "k",    "E",   "Y",   "0",
                                                  "1",  "7",  " ",   "-",   "_",   ".",    "=",   "\t",  "\r",
                                                  "sk", "Key", "KEY", "foo", "bar", "ab",   "abc", "abbc", "1234"};
  std::string text;
  for (size_t l = 0; l < line_count; ++l) {
    size_t length = random() % 9;
    for (size_t i = 0; i < length; ++i) text += pieces[random() % pieces.size()];
    if (l + 1 < line_count || random() % 2) text += "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("prefilter: a pattern Vectorscan rejects falls back to its keywords, with a note", "[prefilter]") {
  // (?U) (ungreedy by default) is RE2 syntax Vectorscan does not parse.
  auto policy = compile_policy(regex_rule("lazy-key", R"((?U)\b(lazy_[a-z]{8,}))", R"(["LAZY_"])"));
  REQUIRE(policy->notes().size() == 1);
  CHECK_THAT(policy->notes()[0], Catch::StartsWith("rule 'lazy-key': the prefilter cannot take its pattern (") &&
                                     Catch::Contains("its keywords select lines"));
  const std::string content = "nothing\nx = lazy_abcdefgh\nlazy_short\n\nLAZY_abcdefghij\ny=lazy_qwertyuiop\n";
  CHECK(finding_lines(*policy, content) == std::vector<uint32_t>{2, 6});
  // The keywords still select: a line without one is not confirmed even if RE2 would match it.
  auto with_other_keyword = compile_policy(regex_rule("lazy-key", R"((?U)\b(lazy_[a-z]{8,}))", R"(["token"])"));
  CHECK(finding_lines(*with_other_keyword, "token lazy_abcdefgh\nlazy_abcdefgh\n") == std::vector<uint32_t>{1});
}

TEST_CASE("prefilter: a rejected pattern without keywords falls back to every line, with a note", "[prefilter]") {
  auto policy = compile_policy(regex_rule("lazy-key", R"((?U)\b(lazy_[a-z]{8,}))"));
  REQUIRE(policy->notes().size() == 1);
  CHECK_THAT(policy->notes()[0], Catch::Contains("rule 'lazy-key'") && Catch::Contains("RE2 checks every line (slow)"));
  CHECK(finding_lines(*policy, "a\nlazy_abcdefgh\nb\nc lazy_zzzzzzzzz d\n") == std::vector<uint32_t>{2, 4});
}

TEST_CASE("prefilter: a Unicode property Vectorscan cannot use still matches through RE2", "[prefilter]") {
  // Without UTF-8 mode Vectorscan finds \p{Greek} can never match; RE2 matches Greek letters.
  auto policy = compile_policy(regex_rule("greek", R"((\p{Greek}{3,}))"));
  REQUIRE(policy->notes().size() == 1);
  CHECK_THAT(policy->notes()[0], Catch::Contains("rule 'greek'"));
  CHECK(finding_lines(*policy, "alpha\n\xce\xb1\xce\xb2\xce\xb3\xce\xb4\nbeta\n") == std::vector<uint32_t>{2});
}

TEST_CASE("prefilter: one rejected pattern does not take the other rules out of the database", "[prefilter]") {
  auto policy = compile_policy(regex_rule("lazy-key", R"((?U)\b(lazy_[a-z]{8,}))") +
                               regex_rule("good-key", R"(\b(good_[a-z]{8}))", R"(["good_"])"));
  REQUIRE(policy->notes().size() == 1);
  CHECK_THAT(policy->notes()[0], Catch::Contains("rule 'lazy-key'"));
  CHECK_THAT(policy->notes()[0], !Catch::Contains("good-key"));
  const auto& good = policy->rules()[1];
  REQUIRE(good.spec.id == "good-key");
  REQUIRE(good.prefilter_entry >= 0);
  const std::string content = "good_abcdefgh\nnothing\nlazy_abcdefgh\n";
  auto candidates = candidates_of(policy->prefilter(), content);
  CHECK(candidates[static_cast<size_t>(good.prefilter_entry)] == std::vector<uint32_t>{0});
  CHECK(finding_lines(*policy, content) == std::vector<uint32_t>{1, 3});
}

TEST_CASE("prefilter: keyword-only, regex-only, both and neither entries select the right lines", "[prefilter]") {
  auto built = build({
      {"", {"secret"}},                // keywords only
      {R"(ab+c)", {}},                 // regex only
      {R"(ab+c)", {"KEY"}},            // both: a line needs both
      {"", {}},                        // neither: every line
  });
  CHECK(built.notes.empty());
  const std::string content = "no\nSeCrEt here\nxabbbcx\nkey=abc\nabc secret\n";
  auto candidates = candidates_of(*built.prefilter, content);
  REQUIRE(candidates.size() == 4);
  CHECK(candidates[0] == std::vector<uint32_t>{1, 4});
  CHECK(candidates[1] == std::vector<uint32_t>{2, 3, 4});
  CHECK(candidates[2] == std::vector<uint32_t>{3});
  CHECK(candidates[3] == std::vector<uint32_t>{0, 1, 2, 3, 4});
}

TEST_CASE("prefilter: keywords are literals, not patterns", "[prefilter]") {
  auto built = build({{"", {"a.b", "(x)", "[y]", "c*"}}});
  auto candidates = candidates_of(*built.prefilter, "aXb\na.b\nx\n(x)\ny\n[y]\nccc\nc*\n");
  CHECK(candidates[0] == std::vector<uint32_t>{1, 3, 5, 7});
}

TEST_CASE("prefilter: an empty file and a prefilter with no entries yield no candidates", "[prefilter]") {
  auto built = build({{R"(abc)", {}}});
  auto candidates = candidates_of(*built.prefilter, "");
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0].empty());
  auto empty = build({});
  CHECK(candidates_of(*empty.prefilter, "abc\n").empty());
}

TEST_CASE("prefilter: candidates never miss a line RE2 would match (random lines)", "[prefilter]") {
  // Unanchored patterns: the prefilter scans the whole file, RE2 one line.
  const std::vector<detect::PrefilterSpec> specs = {
      {R"(ab+c)", {}},
      {R"(\bsk[-_][a-z0-9]{2,})", {"sk"}},
      {R"((?i)key\s*=\s*\w+)", {}},
      {R"([0-9]{3,})", {}},
      {R"(foo.bar)", {}},
      {R"(\by\b)", {"Y"}},
      {R"(\s{2,}\S)", {}},
      {R"([^a-z\s]{2})", {}},
      {R"((?:abc|xyz)*E)", {"e"}},
      {R"(b\b)", {}},
      {R"(x?k)", {"KEY", "bar"}},
      {"", {"abbc", "."}},
      {R"(\d\.\d)", {}},
  };
  std::mt19937 random(20240601);
  for (int round = 0; round < 300; ++round) {
    std::string content = random_text(random, 1 + random() % 30);
    INFO("round " << round);
    check_no_line_missing(specs, content);
  }
}

TEST_CASE("prefilter: the built-in policy compiles into one database without fallbacks", "[prefilter]") {
  engine::PolicyStore store("", false);
  REQUIRE(store.reload());
  auto policy = store.base_policy();
  REQUIRE(policy);
  INFO(policy->notes().size() << " notes, first: " << (policy->notes().empty() ? "" : policy->notes()[0]));
  CHECK(policy->notes().empty());
  CHECK(policy->prefilter().entry_count() == policy->prefilter_rules().size());
}

// RE2 checks one line at a time, so '^' and '$' mean the line's start and
// end; the prefilter scans the whole file and must agree (HS_FLAG_MULTILINE).
TEST_CASE("prefilter: anchored patterns never miss a line RE2 would match", "[prefilter]") {
  CHECK(check_no_line_missing({{R"(^key)", {}}}, "key first\nkey second\n") == 2);
  CHECK(check_no_line_missing({{R"(end$)", {}}}, "the end\nno\nthe end\n") == 2);
  CHECK(check_no_line_missing({{R"(^API_KEY=(\w+))", {"api_key"}}}, "# config\nAPI_KEY=abc123\n") == 1);
  CHECK(check_no_line_missing({{R"(^\s+$)", {}}}, "a\n\n  \nb\n") == 1);
}

// split_lines drops the '\r' of a CRLF line before RE2 sees it, but the
// prefilter scans raw bytes, where '$' would match only before '\n': patterns
// with '$' therefore select lines without the Vectorscan pass.
TEST_CASE("prefilter: a '$' pattern finds lines of a CRLF file", "[prefilter]") {
  CHECK(check_no_line_missing({{R"(end$)", {}}}, "the end\r\nno\r\n") == 1);
  CHECK(check_no_line_missing({{R"(token=\w+$)", {"token"}}}, "a\r\ntoken=abc\r\n") == 1);
}

// Built-in rules anchored at a line start with (?:^|[^\w.]) or (?:^|\n).
TEST_CASE("prefilter: built-in rules anchored at a line start find matches on later lines", "[prefilter]") {
  engine::PolicyStore store("", false);
  REQUIRE(store.reload());
  auto policy = store.base_policy();
  auto rule_lines = [&](std::string_view id, std::string_view path, const std::string& content) {
    std::vector<uint32_t> lines;
    for (const auto& f : engine::scan_blob(*policy, path, "", content, false))
      if (policy->rules()[f.rule].spec.id == id) lines.push_back(f.line);
    return lines;
  };
  // eval-exec-model-output: `exec(` at the start of line 1 and of line 3.
  CHECK(rule_lines("eval-exec-model-output", "agent.py", "exec(response.text)\nx = 1\nexec(response.text)\n") ==
        std::vector<uint32_t>{1, 3});
  // yaml-unsafe-load's Loader= alternative is anchored with (?:^|\n).
  CHECK(rule_lines("yaml-unsafe-load", "load.py", "import yaml\ndata = yaml.load(\n    f,\nLoader=yaml.Loader)\n") ==
        std::vector<uint32_t>{2, 4});
}

// A '$' in a bracket expression or escaped is a character, not an anchor: such
// a pattern stays in the database, so it and its keywords both select lines.
TEST_CASE("prefilter: a '$' that is not an anchor keeps the pattern in the database", "[prefilter]") {
  auto built = build({
      {R"(a[$]b)", {"x"}},
      {R"(cost \$\d+)", {"cost"}},
      {R"(host[A-Za-z.{}$]+)", {"host"}},
      {R"(end$)", {"end"}},           // an anchor: the keyword alone selects
      {R"([]$]end)", {"end"}},        // ']' first in a class is a member, the '$' too
      {R"([[:alpha:]$]z)", {"z"}},    // a POSIX class inside a bracket expression
  });
  CHECK(built.notes.empty());
  auto candidates = candidates_of(*built.prefilter, "x only\nx a$b\ncost only\ncost $5\nhost\nhost${HOST}\n"
                                                    "the end\r\nend not\r\n$end\nz\nq$z\n");
  REQUIRE(candidates.size() == 6);
  CHECK(candidates[0] == std::vector<uint32_t>{1});
  CHECK(candidates[1] == std::vector<uint32_t>{3});
  CHECK(candidates[2] == std::vector<uint32_t>{5});
  CHECK(candidates[3] == std::vector<uint32_t>{6, 7, 8});
  CHECK(candidates[4] == std::vector<uint32_t>{8});
  CHECK(candidates[5] == std::vector<uint32_t>{10});
  check_no_line_missing({{R"(p=[^$\r\n]+\$)", {"p="}}, {R"(v[$]w)", {}}}, "p=ab$\r\nv$w\r\np=$\r\n");
}

// Candidates come from per-thread buffers reused between calls: a call must
// not see what an earlier one (another policy, a larger file, a caller's
// filled vector) left behind.
TEST_CASE("prefilter: candidates do not depend on earlier calls", "[prefilter]") {
  auto small = build({{"", {"secret"}}, {R"(ab+c)", {"key"}}, {"", {}}});
  auto large = build({{R"(abc)", {}}, {"", {"secret"}}, {R"(x+)", {}}, {R"(y)", {"y"}}, {"", {"abc"}}});
  const std::string content = "no\nsecret\nkey abbc\nabc\n";
  const std::vector<std::vector<uint32_t>> expected = {{1}, {2}, {0, 1, 2, 3}};
  CHECK(candidates_of(*small.prefilter, content) == expected);
  std::string big;
  for (int i = 0; i < 70000; ++i) big += "abc secret x y\n";
  auto big_candidates = candidates_of(*large.prefilter, big);
  REQUIRE(big_candidates.size() == 5);
  CHECK(big_candidates[0].size() == 70000);
  CHECK(candidates_of(*small.prefilter, content) == expected);
  CHECK(candidates_of(*large.prefilter, "nothing\n") == std::vector<std::vector<uint32_t>>(5));
  auto lines = engine::split_lines(content);
  std::vector<std::vector<uint32_t>> filled(9, std::vector<uint32_t>{7, 8, 9});
  small.prefilter->candidates(content, lines, filled);
  CHECK(filled == expected);
}

TEST_CASE("prefilter: `selected` lists the entries with candidate lines, ascending", "[prefilter]") {
  auto built = build({{"", {"secret"}}, {R"(ab+c)", {"key"}}, {"", {}}, {R"(zz)", {}}, {R"(q)", {}}});
  const std::string content = "q\nsecret zz\n";
  auto lines = engine::split_lines(content);
  std::vector<std::vector<uint32_t>> candidates;
  std::vector<uint32_t> selected = {42};
  built.prefilter->candidates(content, lines, candidates, &selected);
  CHECK(selected == std::vector<uint32_t>{0, 2, 3, 4});
  for (uint32_t entry = 0; entry < candidates.size(); ++entry)
    CHECK(candidates[entry].empty() != std::binary_search(selected.begin(), selected.end(), entry));
  auto no_lines = engine::split_lines("");
  built.prefilter->candidates("", no_lines, candidates, &selected);
  CHECK(selected.empty());
}
