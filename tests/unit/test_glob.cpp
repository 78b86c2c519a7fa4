#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "util/glob.h"

using refguard::Glob;

namespace {

struct MatchCase {
  const char* pattern;
  const char* path;
  bool matches;
};

// Each row is one behaviour; a broken rule flips at least one of them.
const std::vector<MatchCase> kMatchCases = {
    // No '/': the base name at any depth, and only the base name.
    {".env", ".env", true},
    {".env", "app/.env", true},
    {".env", "a/b/c/.env", true},
    {".env", ".env.local", false},
    {".env", "x.env", false},
    {".env", ".env/config", false},
    {"*.pem", "key.pem", true},
    {"*.pem", "deploy/keys/key.pem", true},
    {"*.pem", ".pem", true},
    {"*.pem", "key.pem.txt", false},
    {"*.pem", "key.pem/readme", false},
    {"id_rsa", "home/.ssh/id_rsa", true},
    {"id_rsa", "home/.ssh/id_rsa.pub", false},
    // Case-sensitive.
    {"*.PEM", "key.pem", false},
    {"README.md", "readme.md", false},
    // A leading '/' or an inner '/' anchors at the root.
    {"/build.sh", "build.sh", true},
    {"/build.sh", "tools/build.sh", false},
    {"docs/*.md", "docs/a.md", true},
    {"docs/*.md", "docs/sub/a.md", false},
    {"docs/*.md", "site/docs/a.md", false},
    {".github/copilot-instructions.md", ".github/copilot-instructions.md", true},
    {".github/copilot-instructions.md", "x/.github/copilot-instructions.md", false},
    // '*' and '?' never cross '/'.
    {"src/*", "src/a.py", true},
    {"src/*", "src/pkg/a.py", false},
    {"a?c", "abc", true},
    {"a?c", "ac", false},
    {"a?c", "abbc", false},
    {"src/a?c", "src/a/c", false},
    {"caf?", "café", true},  // '?' takes the whole two-byte 'é'
    {"caf?", "cafe", true},
    {"*", "anything/at/all", true},
    // '**' segments.
    {"**/x.py", "x.py", true},
    {"**/x.py", "a/b/x.py", true},
    {"a/**/b", "a/b", true},
    {"a/**/b", "a/x/b", true},
    {"a/**/b", "a/x/y/z/b", true},
    {"a/**/b", "a/xb", false},
    {"a/**/b", "b", false},
    {".claude/**", ".claude/settings.json", true},
    {".claude/**", ".claude/commands/deploy.md", true},
    {".claude/**", ".claude", false},
    {".claude/**", "x/.claude/settings.json", false},
    {"**", "a", true},
    {"**", "a/b/c", true},
    {"a/**/b/**/c", "a/1/b/2/3/c", true},
    {"a/**/b/**/c", "a/1/c/2/b", false},
    // "**" inside a segment is a plain '*'.
    {"foo**bar", "fooXYbar", true},
    {"foo**bar", "foo/bar", false},
    // Trailing '/': every file inside a directory of that name.
    {"build/", "build/x.o", true},
    {"build/", "src/build/deep/x.o", true},
    {"build/", "build", false},
    {"out/gen/", "out/gen/a.c", true},
    {"out/gen/", "x/out/gen/a.c", false},
    // Classes.
    {"[abc].txt", "b.txt", true},
    {"[abc].txt", "d.txt", false},
    {"[a-c]x", "bx", true},
    {"[a-c]x", "dx", false},
    {"[!a-c]x", "dx", true},
    {"[^a-c]x", "ax", false},
    {"[!a]x", "éx", true},  // a negated class matches a non-ASCII character
    {"[a]x", "éx", false},
    {"[]]", "]", true},
    {"[!]]", "]", false},
    {"[a-]", "-", true},
    {"[[:digit:]].log", "7.log", true},
    {"[[:digit:]].log", "x.log", false},
    {"[[:upper:][:digit:]]", "Q", true},
    {"v[0-9].[0-9]", "v1.2", true},
    // Escapes.
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"\\!important", "!important", true},
    {"a\\[b", "a[b", true},
    // Star backtracking.
    {"*.tar.gz", "x.tar.tar.gz", true},
    {"a*b*c", "axxbyybzc", true},
    {"a*b*c", "axxbyyb", false},
    {"*.env.*", ".env.local", true},
    // Odd paths never crash.
    {"*.py", "", false},
    {"*", "\xff\xfe", true},
    {"?", "\xe2\x80", true},  // truncated sequence is one unit
};

struct ErrorCase {
  const char* pattern;
  const char* mentions;  // part of the error message
};

const std::vector<ErrorCase> kErrorCases = {
    {"", "is empty"},
    {"/", "matches nothing"},
    {"[abc", "never closed"},
    {"*.[ch", "never closed"},
    {"[]", "never closed"},
    {"abc\\", "lone '\\'"},
    {"[z-a]", "reversed range"},
    {"a//b", "empty path segment"},
    {"//a", "empty path segment"},
    {"!secret", "negation"},
    {"[a/b]", "'/' inside"},
    {"[[:nope:]]", "unknown character class"},
    {"[[:alpha", "without ':]'"},
    {"./a", "'.' or '..'"},
    {"a/../b", "'.' or '..'"},
    {"a\\/b", "cannot be escaped"},
    {"[é]", "non-ASCII"},
};

}  // namespace

TEST_CASE("glob matches paths like gitignore", "[glob]") {
  for (const auto& row : kMatchCases) {
    auto glob = Glob::compile(row.pattern);
    INFO("pattern '" << row.pattern << "' path '" << row.path << "'");
    REQUIRE(glob.has_value());
    CHECK(glob->matches(row.path) == row.matches);
  }
}

TEST_CASE("glob rejects malformed patterns with a message naming the problem", "[glob]") {
  for (const auto& row : kErrorCases) {
    auto glob = Glob::compile(row.pattern);
    INFO("pattern '" << row.pattern << "'");
    REQUIRE_FALSE(glob.has_value());
    CHECK_THAT(glob.error().message, Catch::Contains(row.mentions));
    CHECK_THAT(glob.error().message, Catch::Contains(std::string("'") + row.pattern + "'"));
  }
}

TEST_CASE("glob keeps its pattern and can be copied and shared", "[glob]") {
  auto glob = Glob::compile("src/**/*.rs");
  REQUIRE(glob);
  CHECK(glob->pattern() == "src/**/*.rs");
  const Glob copy = *glob;
  CHECK(copy.matches("src/a/b/lib.rs"));
  CHECK_FALSE(copy.matches("lib.rs"));
}

TEST_CASE("glob matching stays fast on pathological input", "[glob]") {
  auto stars = Glob::compile("*a*a*a*a*a*a*a*a*a*b");
  auto globstars = Glob::compile("**/a/**/a/**/a/**/a/**/b");
  REQUIRE(stars);
  REQUIRE(globstars);
  const std::string name(20000, 'a');
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "a/";
  deep += "c";
  // Exponential backtracking would not finish; the greedy matcher answers at once.
  CHECK_FALSE(stars->matches(name));
  CHECK(stars->matches(name + "b"));
  CHECK_FALSE(globstars->matches(deep));
  CHECK(globstars->matches(deep + "/b"));
}

TEST_CASE("compile_globs reports every bad pattern and first_match picks in order", "[glob]") {
  const std::vector<std::string> bad = {"ok.txt", "[x", "a//b"};
  auto failed = refguard::compile_globs(bad);
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message, Catch::Contains("'[x'"));
  CHECK_THAT(failed.error().message, Catch::Contains("'a//b'"));

  const std::vector<std::string> good = {"*.key", "secrets/**", "*"};
  auto globs = refguard::compile_globs(good);
  REQUIRE(globs);
  const Glob* hit = refguard::first_match(*globs, "secrets/prod.key");
  REQUIRE(hit != nullptr);
  CHECK(hit->pattern() == "*.key");
  CHECK(refguard::first_match(*globs, "secrets/a.txt")->pattern() == "secrets/**");
  CHECK(refguard::first_match(std::span<const Glob>{}, "a") == nullptr);
}
