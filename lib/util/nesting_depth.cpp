#include "util/nesting_depth.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace refguard {

namespace {

// Index just past a "..." string opening at `open`, or the end of the text.
size_t skip_quoted(std::string_view text, size_t open, char quote, bool escapes) {
  return std::min(quoted_string_end(text, open, quote, escapes), text.size());
}

// If a JSONC comment starts at `i`, the index just past it; otherwise `i`.
size_t skip_json_comment(std::string_view text, size_t i) {
  if (i + 1 >= text.size() || text[i] != '/') return i;
  if (text[i + 1] == '/') return std::min(text.find('\n', i), text.size());
  if (text[i + 1] == '*') {
    size_t end = text.find("*/", i + 2);
    return end == std::string_view::npos ? text.size() : end + 2;
  }
  return i;
}

// Index just past a TOML string starting at `open`: basic "..." (escapes),
// literal '...', and their multi-line """ / ''' forms.
size_t skip_toml_string(std::string_view text, size_t open) {
  char quote = text[open];
  bool escapes = quote == '"';
  const std::string triple(3, quote);
  if (text.substr(open, 3) == triple) {
    for (size_t i = open + 3; i < text.size(); ++i) {
      if (escapes && text[i] == '\\') ++i;
      else if (text.substr(i, 3) == triple) {
        // Up to two more quotes may close the string ("""a"""" is a").
        size_t end = i + 3;
        while (end < text.size() && end < i + 5 && text[end] == quote) ++end;
        return end;
      }
    }
    return text.size();
  }
  return skip_quoted(text, open, quote, escapes);
}

}  // namespace

size_t quoted_string_end(std::string_view text, size_t open, char quote, bool escapes) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  for (const char* at = begin + open + 1; at < end;) {
    const auto* found = static_cast<const char*>(std::memchr(at, quote, static_cast<size_t>(end - at)));
    if (!found) break;
    size_t backslashes = 0;
    if (escapes)
      for (const char* before = found; before > begin + open + 1 && before[-1] == '\\'; --before) ++backslashes;
    if (backslashes % 2 == 0) return static_cast<size_t>(found - begin) + 1;
    at = found + 1;
  }
  return std::string_view::npos;
}

size_t json_nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      i = skip_quoted(text, i, '"', true);
      continue;
    }
    if (size_t after = skip_json_comment(text, i); after != i) {
      i = after;
      continue;
    }
    if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    ++i;
  }
  return deepest;
}

size_t toml_nesting_depth(std::string_view text, size_t limit) {
  // Levels the current statement reached before its innermost open bracket.
  struct Open {
    char bracket;
    size_t base;
  };
  std::vector<Open> open;
  size_t header = 0;     // levels of the last [table] / [[array]] header
  size_t level = 0;      // current level within the statement
  bool in_key = true;    // a '.' now separates key parts
  bool at_line_start = true;
  bool in_header = false;
  size_t deepest = 0;
  auto reach = [&](size_t value) {
    deepest = std::max(deepest, value);
    return deepest > limit;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      i = skip_toml_string(text, i) - 1;
      at_line_start = false;
      continue;
    }
    if (c == '#') {
      i = std::min(text.find('\n', i), text.size()) - 1;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '\n') {
      at_line_start = true;
      if (open.empty() && !in_header) level = header, in_key = true;
      continue;
    }
    bool line_start = at_line_start;
    at_line_start = false;
    if (line_start && open.empty() && c == '[') {
      // A table header: [a.b] or [[a.b]]; its levels carry over to the keys below it.
      in_header = true;
      level = 1;
      if (i + 1 < text.size() && text[i + 1] == '[') ++i, ++level;
      in_key = true;
      if (reach(level)) return deepest;
      continue;
    }
    if (in_header) {
      if (c == ']') {
        in_header = false;
        header = level;
        if (i + 1 < text.size() && text[i + 1] == ']') ++i;
      } else if (c == '.' && reach(++level)) {
        return deepest;
      }
      continue;
    }
    switch (c) {
      case '.':
        if (in_key && reach(++level)) return deepest;
        break;
      case '=':
        in_key = false;
        break;
      case '[':
      case '{':
        open.push_back({c, level});
        in_key = c == '{';
        if (reach(++level)) return deepest;
        break;
      case ']':
      case '}':
        if (!open.empty()) {
          level = open.back().base;
          open.pop_back();
        }
        in_key = false;
        break;
      case ',':
        // The next key of an inline table starts at the table's own level.
        if (!open.empty()) {
          in_key = open.back().bracket == '{';
          level = open.back().base + 1;
        }
        break;
      default:
        break;
    }
  }
  return deepest;
}

}  // namespace refguard
