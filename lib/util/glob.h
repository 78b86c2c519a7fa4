#pragma once
// Gitignore-style path globs, used for detector path lists, rule scopes and
// allowlists. Paths are repository-relative and '/'-separated ("src/a.py").
//
//   *.pem        no '/' in the pattern: matches the base name at any depth
//   /build.sh    a leading '/' anchors the pattern at the repository root
//   docs/*.md    a '/' anywhere else anchors it too (matches "docs/a.md" only)
//   **/x, a/**/b, a/**   '**' as a whole segment matches any number of
//                directories; a trailing "/**" matches everything inside, not
//                the directory itself
//   build/       a trailing '/' matches every file inside a directory of that
//                name (at any depth when the rest has no '/')
//   * ?          never cross '/'; '?' matches one character (a whole UTF-8
//                sequence); "**" inside a segment ("a**b") is a plain '*'
//   [abc] [a-z] [!a] [^a] [[:digit:]]   one ASCII character; negated classes
//                also match any non-ASCII character; ']' first is literal
//   \x           the literal character x
//
// Unlike gitignore, a pattern without '/' matches files by base name only:
// "vendor" does not match "vendor/a.js" (write "vendor/" for that). Matching
// is case-sensitive and byte-exact. A leading '!' is rejected: negation
// belongs to a list of patterns (an allowlist), not to one glob.
//
// A Glob is immutable after compile() and safe to share between threads.
// Matching is O(pattern x path) at worst, with no recursion and no allocation.
#include <bitset>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace refguard {

class Glob {
 public:
  /// Parses `pattern`; the error names the pattern and what is wrong with it.
  static Expected<Glob> compile(std::string_view pattern);

  /// True when the repository-relative path `path` matches.
  bool matches(std::string_view path) const;

  /// The pattern as written.
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    enum class Kind : unsigned char { kLiteral, kAnyChar, kStar, kClass };
    Kind kind = Kind::kLiteral;
    std::string literal;       // kLiteral: the bytes to match
    std::bitset<128> members;  // kClass: ASCII members
    bool negated = false;      // kClass: [!...] / [^...]
  };
  // One '/'-separated part of the pattern; a globstar matches zero or more path components.
  struct Segment {
    bool globstar = false;
    std::vector<Token> tokens;
  };
  friend class GlobParser;

  Glob() = default;
  static bool match_segment(std::span<const Token> tokens, std::string_view name);

  std::string pattern_;
  std::vector<Segment> segments_;
};

/// Compiles every pattern; the error lists each bad one.
Expected<std::vector<Glob>> compile_globs(std::span<const std::string> patterns);

/// The first glob in `globs` matching `path`, or nullptr. The pointer is borrowed from `globs`.
const Glob* first_match(std::span<const Glob> globs, std::string_view path);

}  // namespace refguard
