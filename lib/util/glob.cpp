#include "util/glob.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <utility>

namespace refguard {

namespace {

// Bytes of the character starting at `at`: one for ASCII and for stray bytes,
// otherwise the lead byte and the continuation bytes that follow it. Never
// splits a valid UTF-8 sequence and never reads past the end on invalid input.
size_t unit_length(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  size_t length = 1;
  while (length < want && at + length < text.size() &&
         (static_cast<unsigned char>(text[at + length]) & 0xC0) == 0x80)
    ++length;
  return length;
}

using CharPredicate = bool (*)(int);
// Lambdas, not &isalpha: taking the address of a standard library function is unspecified.
constexpr std::array<std::pair<std::string_view, CharPredicate>, 12> kNamedClasses = {{
    {"alnum", [](int c) { return std::isalnum(c) != 0; }}, {"alpha", [](int c) { return std::isalpha(c) != 0; }},
    {"blank", [](int c) { return std::isblank(c) != 0; }}, {"cntrl", [](int c) { return std::iscntrl(c) != 0; }},
    {"digit", [](int c) { return std::isdigit(c) != 0; }}, {"graph", [](int c) { return std::isgraph(c) != 0; }},
    {"lower", [](int c) { return std::islower(c) != 0; }}, {"print", [](int c) { return std::isprint(c) != 0; }},
    {"punct", [](int c) { return std::ispunct(c) != 0; }}, {"space", [](int c) { return std::isspace(c) != 0; }},
    {"upper", [](int c) { return std::isupper(c) != 0; }}, {"xdigit", [](int c) { return std::isxdigit(c) != 0; }},
}};

}  // namespace

// Turns a pattern into segments of tokens in one left-to-right pass, so that
// '/', '\' and ']' are interpreted in context and every error has an offset.
class GlobParser {
 public:
  explicit GlobParser(std::string_view pattern) : pattern_(pattern) {}

  Expected<Glob> parse() {
    if (pattern_.empty()) return error("is empty");
    if (pattern_.front() == '!')
      return error("starts with '!'; negation belongs in an allowlist (write '\\!' for a literal '!')");
    const bool anchored = pattern_.front() == '/';
    if (pattern_ == "/") return error("matches nothing");
    std::vector<Glob::Segment> segments;
    Glob::Segment current;
    std::string raw;  // the segment's text, to recognise "**"
    for (size_t i = anchored ? 1 : 0; i < pattern_.size();) {
      if (pattern_[i] == '/') {
        if (auto done = finish_segment(current, raw, segments); !done) return std::unexpected(done.error());
        ++i;
        continue;
      }
      const size_t before = i;
      if (auto parsed = parse_token(i, current); !parsed) return std::unexpected(parsed.error());
      raw.append(pattern_.substr(before, i - before));
    }
    // A trailing '/' leaves an empty last segment: "every file inside this directory".
    const bool directory = raw.empty() && !segments.empty();
    if (!directory)
      if (auto done = finish_segment(current, raw, segments); !done) return std::unexpected(done.error());
    if (segments.empty()) return error("matches nothing");
    return build(std::move(segments), anchored, directory);
  }

 private:
  std::unexpected<Error> error(std::string_view why) const { return fail(fmt::format("glob '{}' {}", pattern_, why)); }

  Expected<void> finish_segment(Glob::Segment& segment, std::string& raw, std::vector<Glob::Segment>& out) const {
    if (raw.empty()) return error("has an empty path segment ('//' or a leading '//')");
    if (raw == "." || raw == "..") return error("has a '.' or '..' segment; repository paths never contain one");
    if (raw == "**") segment = Glob::Segment{true, {}};
    out.push_back(std::move(segment));
    segment = Glob::Segment{};
    raw.clear();
    return {};
  }

  Expected<void> parse_token(size_t& i, Glob::Segment& segment) const {
    auto& tokens = segment.tokens;
    const char c = pattern_[i];
    if (c == '*') {
      // Consecutive stars inside a segment mean the same as one.
      if (tokens.empty() || tokens.back().kind != Glob::Token::Kind::kStar)
        tokens.push_back({Glob::Token::Kind::kStar, {}, {}, false});
      ++i;
    } else if (c == '?') {
      tokens.push_back({Glob::Token::Kind::kAnyChar, {}, {}, false});
      ++i;
    } else if (c == '[') {
      auto token = parse_class(i);
      if (!token) return std::unexpected(token.error());
      tokens.push_back(std::move(*token));
    } else {
      char literal = c;
      if (c == '\\') {
        if (i + 1 == pattern_.size()) return error("ends with a lone '\\'");
        literal = pattern_[++i];
        if (literal == '/') return error("escapes a '/'; a path separator cannot be escaped");
      }
      if (tokens.empty() || tokens.back().kind != Glob::Token::Kind::kLiteral)
        tokens.push_back({Glob::Token::Kind::kLiteral, {}, {}, false});
      tokens.back().literal.push_back(literal);
      ++i;
    }
    return {};
  }

  // pattern_[i] is '['; leaves i after the closing ']'.
  Expected<Glob::Token> parse_class(size_t& i) const {
    const size_t open = i++;
    Glob::Token token{Glob::Token::Kind::kClass, {}, {}, false};
    if (i < pattern_.size() && (pattern_[i] == '!' || pattern_[i] == '^')) token.negated = true, ++i;
    for (bool first = true;; first = false) {
      if (i >= pattern_.size()) return error(fmt::format("has a '[' at offset {} that is never closed by ']'", open));
      if (pattern_[i] == ']' && !first) break;
      if (pattern_.substr(i).starts_with("[:")) {
        if (auto named = parse_named_class(i, token.members); !named) return std::unexpected(named.error());
        continue;
      }
      auto low = class_char(i);
      if (!low) return std::unexpected(low.error());
      char high = *low;
      if (i + 1 < pattern_.size() && pattern_[i] == '-' && pattern_[i + 1] != ']') {
        ++i;
        auto upper = class_char(i);
        if (!upper) return std::unexpected(upper.error());
        high = *upper;
        if (high < *low) return error(fmt::format("has a reversed range '{}-{}' in [...]", *low, high));
      }
      // class_char() admits ASCII only, so both ends are 0..127.
      for (int member = static_cast<unsigned char>(*low); member <= static_cast<unsigned char>(high); ++member)
        token.members.set(static_cast<size_t>(member));
    }
    ++i;
    return token;
  }

  // One member character of a class, unescaped; leaves i after it.
  Expected<char> class_char(size_t& i) const {
    char c = pattern_[i];
    if (c == '\\') {
      if (++i == pattern_.size()) return error("ends with a lone '\\'");
      c = pattern_[i];
    }
    if (c == '/') return error("has a '/' inside [...]; a class matches one character of a name");
    if (static_cast<unsigned char>(c) >= 0x80) return error("has a non-ASCII character inside [...]; classes are ASCII-only");
    ++i;
    return c;
  }

  Expected<void> parse_named_class(size_t& i, std::bitset<128>& members) const {
    const size_t close = pattern_.find(":]", i + 2);
    if (close == std::string_view::npos) return error(fmt::format("has a '[:' at offset {} without ':]'", i));
    const std::string_view name = pattern_.substr(i + 2, close - i - 2);
    for (const auto& [known, predicate] : kNamedClasses) {
      if (known != name) continue;
      for (int c = 0; c < 128; ++c)
        if (predicate(c)) members.set(static_cast<size_t>(c));
      i = close + 2;
      return {};
    }
    return error(fmt::format("has an unknown character class '[:{}:]'", name));
  }

  Expected<Glob> build(std::vector<Glob::Segment> segments, bool anchored, bool directory) const {
    Glob glob;
    glob.pattern_ = std::string(pattern_);
    // No '/' before the last character: the pattern names a base name at any depth.
    if (!anchored && segments.size() == 1) glob.segments_.push_back(Glob::Segment{true, {}});
    for (auto& segment : segments) glob.segments_.push_back(std::move(segment));
    if (directory) glob.segments_.push_back(Glob::Segment{true, {}});
    // A trailing "**" matches what is inside a directory, never the directory
    // itself, so at least one more component must follow.
    if (glob.segments_.back().globstar)
      glob.segments_.push_back(Glob::Segment{false, {{Glob::Token::Kind::kStar, {}, {}, false}}});
    // Adjacent globstars match what one does; merging them keeps matching linear.
    auto& all = glob.segments_;
    for (size_t k = 1; k < all.size();)
      if (all[k].globstar && all[k - 1].globstar) all.erase(all.begin() + static_cast<std::ptrdiff_t>(k));
      else ++k;
    return glob;
  }

  std::string_view pattern_;
};

Expected<Glob> Glob::compile(std::string_view pattern) { return GlobParser(pattern).parse(); }

// Wildcard matching by backtracking only to the most recent '*': each other
// token consumes a fixed text, so this is exact and at worst O(tokens x name).
bool Glob::match_segment(std::span<const Token> tokens, std::string_view name) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t t = 0, i = 0, star_t = kNone, star_i = 0;
  for (;;) {
    if (t < tokens.size()) {
      const Token& token = tokens[t];
      if (token.kind == Token::Kind::kStar) {
        star_t = ++t;
        star_i = i;
        continue;
      }
      if (i < name.size()) {
        size_t used = 0;
        if (token.kind == Token::Kind::kLiteral) {
          used = name.substr(i).starts_with(token.literal) ? token.literal.size() : 0;
        } else {
          used = unit_length(name, i);
          const auto c = static_cast<unsigned char>(name[i]);
          if (token.kind == Token::Kind::kClass && (c < 128 ? token.members.test(c) : false) == token.negated) used = 0;
        }
        if (used > 0) {
          ++t;
          i += used;
          continue;
        }
      }
    } else if (i == name.size()) {
      return true;
    }
    if (star_t == kNone || star_i >= name.size()) return false;
    star_i += unit_length(name, star_i);
    t = star_t;
    i = star_i;
  }
}

// The same backtracking one level up: a globstar is the '*' and path
// components are the characters. `pos` is where the next component starts;
// past the end of `path` means every component has been consumed.
bool Glob::matches(std::string_view path) const {
  if (path.empty()) return false;
  constexpr size_t kNone = static_cast<size_t>(-1);
  auto component_end = [path](size_t from) {
    const size_t slash = path.find('/', from);
    return slash == std::string_view::npos ? path.size() : slash;
  };
  size_t s = 0, pos = 0, star_s = kNone, star_pos = 0;
  for (;;) {
    if (s < segments_.size()) {
      const Segment& segment = segments_[s];
      if (segment.globstar) {
        star_s = ++s;
        star_pos = pos;
        continue;
      }
      if (pos <= path.size()) {
        const size_t end = component_end(pos);
        if (match_segment(segment.tokens, path.substr(pos, end - pos))) {
          ++s;
          pos = end + 1;
          continue;
        }
      }
    } else if (pos > path.size()) {
      return true;
    }
    if (star_s == kNone || star_pos > path.size()) return false;
    star_pos = component_end(star_pos) + 1;
    s = star_s;
    pos = star_pos;
  }
}

Expected<std::vector<Glob>> compile_globs(std::span<const std::string> patterns) {
  std::vector<Glob> globs;
  std::vector<std::string> errors;
  for (const auto& pattern : patterns) {
    if (auto glob = Glob::compile(pattern)) globs.push_back(std::move(*glob));
    else errors.push_back(glob.error().message);
  }
  if (!errors.empty()) return fail(fmt::format("{}", fmt::join(errors, "; ")));
  return globs;
}

const Glob* first_match(std::span<const Glob> globs, std::string_view path) {
  for (const auto& glob : globs)
    if (glob.matches(path)) return &glob;
  return nullptr;
}

}  // namespace refguard
