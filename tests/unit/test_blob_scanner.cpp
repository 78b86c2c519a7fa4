#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "policy/policy_layer.h"
#include "policy_builder.h"
#include "util/mask.h"

using namespace refguard;
using testing::compile_policy;
using engine::BlobFinding;
using engine::CompiledPolicy;

namespace {

// Two line rules (one with keywords), an AI-only rule and a whole-file rule.
const std::string kPolicy = R"(
version = 1
[ai]
paths = ["prompts/**"]
sdks = ["openai", "langchain*"]

[[rule]]
id = "demo-key"
description = "Demo key"
[rule.detector]
type = "regex"
pattern = '''\b(demo_[A-Za-z0-9]{24})\b'''
keywords = ["apikey"]
[rule.allowlist]
regexes = ['''^demo_TEST''']
stopwords = ["dummy"]
paths = ["fixtures/**"]

[[rule]]
id = "word-token"
description = "Word token"
action = "warn"
[rule.detector]
type = "regex"
pattern = '''\b(tok_[a-z0-9]{16})\b'''

[[rule]]
id = "ai-secret"
description = "A secret that matters only in AI scripts"
ai_only = true
[rule.detector]
type = "regex"
pattern = '''\b(aisk_[A-Za-z0-9]{20})\b'''

[[rule]]
id = "env-file"
description = "An env file"
[rule.detector]
type = "path"
globs = [".env", "*.bin"]
)";

const std::string kDemoKey = "demo_Ab3dEf6hIj9kLm2nOp5qRs8t";  // 24 after the prefix
const std::string kToken = "tok_a1b2c3d4e5f6g7h8";
const std::string kAiSecret = "aisk_Zy9xWv8uTs7rQp6oNm5l";

std::shared_ptr<const CompiledPolicy> policy_under_test() {
  static auto policy = compile_policy(kPolicy);
  return policy;
}

size_t rule_index(const CompiledPolicy& policy, std::string_view id) {
  for (size_t i = 0; i < policy.rules().size(); ++i)
    if (policy.rules()[i].spec.id == id) return i;
  FAIL("no rule " << id);
  return 0;
}

// Lines on which `rule_id` found something.
std::vector<uint32_t> lines_of(const std::vector<BlobFinding>& findings, const CompiledPolicy& policy,
                               std::string_view rule_id) {
  std::vector<uint32_t> lines;
  size_t index = rule_index(policy, rule_id);
  for (const auto& f : findings)
    if (f.rule == index) lines.push_back(f.line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<BlobFinding> scan(std::string_view path, const std::string& content, bool binary = false) {
  return engine::scan_blob(*policy_under_test(), path, "0123456789abcdef0123456789abcdef01234567", content, binary);
}

}  // namespace

TEST_CASE("blob scanner: a rule with keywords matches only on lines holding a keyword, any case", "[blob_scanner]") {
  const std::string content = "apikey = " + kDemoKey + "\n" +    // 1: keyword
                              "value = " + kDemoKey + "\n" +      // 2: no keyword
                              "APIKEY: " + kDemoKey + "\n" +      // 3: keyword, upper case
                              "# ApiKey below\n" +                // 4: keyword, no key
                              kDemoKey + "\n" +                   // 5: key, keyword on the line above only
                              "my_apikey_value=\"" + kDemoKey + "\"\n";  // 6: keyword inside a word
  auto findings = scan("src/config.py", content);
  CHECK(lines_of(findings, *policy_under_test(), "demo-key") == std::vector<uint32_t>{1, 3, 6});
}

TEST_CASE("blob scanner: a rule without keywords matches on any line, every occurrence", "[blob_scanner]") {
  const std::string other = "tok_zzzzzzzzzzzzzzz9";
  const std::string content = "first\n" + kToken + "\nx " + kToken + " y " + other + "\n";
  auto findings = scan("a.txt", content);
  CHECK(lines_of(findings, *policy_under_test(), "word-token") == std::vector<uint32_t>{2, 3, 3});
}

// What a line's `refguard:allow` says of each rule's finding; whether that
// silences it is the push's decision (test_inline_allow.cpp), so the scanner
// keeps every finding, marked.
TEST_CASE("blob scanner: findings on a line with refguard:allow are kept, marked for the rules the allow names",
          "[blob_scanner]") {
  using engine::InlineAllow;
  struct Case {
    std::string suffix;
    InlineAllow demo;
    InlineAllow token;
  };
  const auto kNone = InlineAllow::kNone, kNamed = InlineAllow::kNamesRule, kOther = InlineAllow::kNamesOther;
  const std::vector<Case> cases = {
      {"", kNone, kNone},
      {"  # refguard:allow", kNamed, kNamed},
      {"  # refguard:allow demo-key", kNamed, kOther},
      {"  # refguard:allow word-token", kOther, kNamed},
      {"  # refguard:allow=word-token", kOther, kNamed},
      {"  # refguard:allow: demo-key", kNamed, kOther},
      {"  # refguard:allow demo-key, word-token", kNamed, kNamed},
      {"  # refguard:allow -- test fixture, not a real key", kNamed, kNamed},  // a reason after "--"
      {"  # refguard:allow test fixture, not a real key", kOther, kOther},     // "test" is no rule
      {"  # refguard:allow no-such-rule", kOther, kOther},
      {"  # refguard:allowXYZ", kOther, kOther},
      {"  # refguard:allow demo-key refguard:allow word-token", kNamed, kNamed},
      {"  # refguard-allow", kNone, kNone},
  };
  for (const auto& c : cases) {
    const std::string line = "apikey=" + kDemoKey + " token=" + kToken + c.suffix;
    INFO(line);
    auto findings = scan("src/a.py", "header\n" + line + "\n");
    auto& policy = *policy_under_test();
    REQUIRE(lines_of(findings, policy, "demo-key") == std::vector<uint32_t>{2});
    REQUIRE(lines_of(findings, policy, "word-token") == std::vector<uint32_t>{2});
    for (const auto& f : findings) {
      bool demo = f.rule == rule_index(policy, "demo-key");
      CHECK(f.inline_allow == (demo ? c.demo : c.token));
      CHECK(f.allow_names.empty() == (f.inline_allow != kOther));
    }
  }
}

TEST_CASE("blob scanner: an inline allow only covers its own line", "[blob_scanner]") {
  const std::string content = kToken + " # refguard:allow\n" + kToken + "\n";
  auto findings = scan("a.txt", content);
  REQUIRE(findings.size() == 2);
  std::sort(findings.begin(), findings.end(),
            [](const BlobFinding& a, const BlobFinding& b) { return a.line < b.line; });
  CHECK(findings[0].inline_allow == engine::InlineAllow::kNamesRule);
  CHECK(findings[1].inline_allow == engine::InlineAllow::kNone);
}

TEST_CASE("blob scanner: allowlist regexes, stopwords and paths drop findings", "[blob_scanner]") {
  struct Case {
    const char* name;
    std::string path;
    std::string secret;
    bool reported;
  };
  // A demo key whose 24 characters start with `body`.
  auto key = [](const std::string& body) { return "demo_" + body + std::string(24 - body.size(), 'a'); };
  const std::vector<Case> cases = {
      {"plain key", "src/a.py", kDemoKey, true},
      {"regex on the secret", "src/a.py", key("TEST"), false},
      {"regex is anchored at the secret, not the line", "src/a.py", key("xTEST"), true},
      {"stopword", "src/a.py", key("aaDUMMY"), false},
      {"stopword in another case", "src/a.py", key("aadummy"), false},
      {"allowlisted path", "fixtures/keys/a.py", kDemoKey, false},
      {"path outside the allowlist", "src/fixtures.py", kDemoKey, true},
  };
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.secret);
    REQUIRE(c.secret.size() == kDemoKey.size());
    auto findings = scan(c.path, "apikey=" + c.secret + "\n");
    CHECK(!lines_of(findings, *policy_under_test(), "demo-key").empty() == c.reported);
  }
}

TEST_CASE("blob scanner: ai_only rules look only at AI scripts", "[blob_scanner]") {
  struct Case {
    const char* name;
    std::string path;
    std::string prefix;  // what comes before the secret line
    bool reported;
  };
  const std::vector<Case> cases = {
      {"python importing openai", "client.py", "import openai\n", true},
      {"python from-import", "client.py", "from openai import OpenAI\n", true},
      {"langchain prefix SDK", "chain.py", "from langchain_community.llms import X\n", true},
      {"JS import", "client.ts", "import OpenAI from 'openai';\n", true},
      {"AI path", "prompts/system.txt", "", true},
      {"plain file", "plain.py", "import os\n", false},
      {"mentions openai without importing it", "notes.md", "We use openai for chat.\n", false},
      {"import of a module with a longer name", "x.py", "import openai_helpers_not_sdk\n", false},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto findings = scan(c.path, c.prefix + "key = " + kAiSecret + "\n");
    CHECK(!lines_of(findings, *policy_under_test(), "ai-secret").empty() == c.reported);
    CHECK(policy_under_test()->classifier().classify(c.path, c.prefix) == c.reported);
  }
}

TEST_CASE("blob scanner: binary blobs are searched in their text runs, reported for the file as a whole",
          "[blob_scanner]") {
  const std::string content = std::string("\0\1\2", 3) + "apikey=" + kDemoKey + "\n" + kToken + "\n";
  auto as_text = scan("blob.bin", content, false);
  auto as_binary = scan("blob.bin", content, true);
  auto& policy = *policy_under_test();
  CHECK_FALSE(lines_of(as_text, policy, "word-token").empty());
  CHECK(lines_of(as_binary, policy, "word-token") == std::vector<uint32_t>{0});
  CHECK(lines_of(as_binary, policy, "demo-key") == std::vector<uint32_t>{0});
  // Short runs (fewer than 8 printable characters) are not text.
  CHECK(scan("blob.dat", std::string("\0tok_a1b\0", 10), true).empty());
  CHECK(lines_of(as_binary, policy, "env-file") == std::vector<uint32_t>{0});  // the file as a whole
  CHECK(lines_of(as_text, policy, "env-file") == std::vector<uint32_t>{0});
}

TEST_CASE("blob scanner: findings hold the masked secret, never the secret", "[blob_scanner]") {
  auto findings = scan("src/a.py", "apikey=" + kDemoKey + "\nother " + kToken + "\n");
  auto& policy = *policy_under_test();
  REQUIRE(findings.size() == 2);
  for (const auto& f : findings) {
    const std::string& secret = f.rule == rule_index(policy, "demo-key") ? kDemoKey : kToken;
    INFO(f.masked);
    CHECK(f.masked == mask_secret(secret));
    CHECK(f.masked.find(secret) == std::string::npos);
    CHECK(f.detail.find(secret) == std::string::npos);
    CHECK(f.where.find(secret) == std::string::npos);
    CHECK(f.secret_hash != 0);
  }
  CHECK(findings[0].secret_hash != findings[1].secret_hash);
  // The same secret elsewhere has the same hash: findings can be matched without the secret.
  auto again = scan("other/path.py", "apikey=" + kDemoKey + "\n");
  REQUIRE(again.size() == 1);
  auto demo = std::find_if(findings.begin(), findings.end(),
                           [&](const BlobFinding& f) { return f.rule == rule_index(policy, "demo-key"); });
  REQUIRE(demo != findings.end());
  CHECK(again[0].secret_hash == demo->secret_hash);
}

TEST_CASE("blob scanner: a warn rule's findings have warn severity", "[blob_scanner]") {
  auto findings = scan("a.txt", "apikey=" + kDemoKey + " " + kToken + "\n");
  auto& policy = *policy_under_test();
  REQUIRE(findings.size() == 2);
  for (const auto& f : findings) {
    if (f.rule == rule_index(policy, "word-token")) CHECK(f.severity == detect::Severity::kWarn);
    else CHECK(f.severity == detect::Severity::kBlock);
  }
}

TEST_CASE("blob scanner: line numbers are right with CRLF endings and no final newline", "[blob_scanner]") {
  const std::string content = "a\r\n\r\nb " + kToken + "\r\n\n" + kToken;
  auto findings = scan("a.txt", content);
  CHECK(lines_of(findings, *policy_under_test(), "word-token") == std::vector<uint32_t>{3, 5});
}

TEST_CASE("split_lines numbers lines from 1 and strips LF and CRLF", "[blob_scanner]") {
  auto lines = engine::split_lines("one\r\ntwo\n\nfour");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].number == 1);
  CHECK(lines[0].text == "one");
  CHECK(lines[1].text == "two");
  CHECK(lines[2].text.empty());
  CHECK(lines[3].number == 4);
  CHECK(lines[3].text == "four");
  CHECK(engine::split_lines("").empty());
  CHECK(engine::split_lines("x\n").size() == 1);
}

TEST_CASE("blob scanner: a path rule is left out of paths it cannot match, and still reports where it can",
          "[blob_scanner]") {
  auto policy = policy_under_test();
  size_t env = rule_index(*policy, "env-file");
  auto has = [](const std::vector<size_t>& rules, size_t rule) {
    return std::find(rules.begin(), rules.end(), rule) != rules.end();
  };
  auto elsewhere = policy->rules_for_path("src/config.py");
  CHECK_FALSE(has(elsewhere->if_ai, env));
  CHECK_FALSE(has(elsewhere->if_not_ai, env));
  CHECK(has(elsewhere->if_not_ai, rule_index(*policy, "word-token")));  // line rules stay
  auto env_path = policy->rules_for_path("deploy/.env");
  CHECK(has(env_path->if_ai, env));
  CHECK(has(env_path->if_not_ai, env));
  CHECK(lines_of(scan("deploy/.env", "A=1\n"), *policy, "env-file") == std::vector<uint32_t>{0});
  CHECK(lines_of(scan("model.bin", "x", true), *policy, "env-file") == std::vector<uint32_t>{0});
  CHECK(lines_of(scan("src/config.py", "A=1\n"), *policy, "env-file").empty());
}

TEST_CASE("blob scanner: a rule's `unless` drops every hit of its line, and only of its line", "[blob_scanner]") {
  auto policy = compile_policy(R"(
[[rule]]
id = "call"
[rule.detector]
type = "regex"
pattern = '''\bload\(([a-z]+)\)'''
unless = '''safe=True'''
)");
  const std::string content = "load(a) load(b)\n"              // 1: two hits
                              "load(c) load(d) safe=True\n"    // 2: unless: none
                              "safe=True\n"                    // 3: unless, no match
                              "x = load(e)\n";                 // 4: one hit
  std::vector<uint32_t> lines;
  for (const auto& f : engine::scan_blob(*policy, "a.py", "", content, false)) lines.push_back(f.line);
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<uint32_t>{1, 1, 4});
}
