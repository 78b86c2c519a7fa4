#include "detect/agent_config/jsonc.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/nesting_depth.h"

namespace refguard::detect::agent_config {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// End of the string literal starting at `open` (the opening quote), i.e. the
// index just past the closing quote, or text.size() if it never closes.
size_t skip_string(std::string_view text, size_t open) {
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i + 1;
  }
  return text.size();
}

// If a comment starts at `i`, the index just past it; otherwise `i`.
// An unterminated block comment runs to the end (the parser then reports it).
size_t skip_comment(std::string_view text, size_t i) {
  if (i + 1 >= text.size() || text[i] != '/') return i;
  if (text[i + 1] == '/') {
    size_t end = text.find('\n', i);
    return end == std::string_view::npos ? text.size() : end;
  }
  if (text[i + 1] == '*') {
    size_t end = text.find("*/", i + 2);
    return end == std::string_view::npos ? text.size() : end + 2;
  }
  return i;
}

// Blank everything in [begin, end) except newlines, which keep line numbers right.
void blank(std::string& out, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i)
    if (out[i] != '\n') out[i] = ' ';
}

// The next byte after `i` that is neither whitespace nor inside a comment.
size_t next_significant(std::string_view text, size_t i) {
  while (i < text.size()) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    size_t after = skip_comment(text, i);
    if (after == i) return i;
    i = after;
  }
  return i;
}

std::string strip_exception_prefix(std::string message) {
  // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
  if (message.starts_with("[json.exception.")) {
    size_t close = message.find("] ");
    if (close != std::string::npos) message.erase(0, close + 2);
  }
  return message;
}

uint32_t line_at(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return static_cast<uint32_t>(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

std::string blank_comments_and_trailing_commas(std::string_view text) {
  std::string out(text);
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      i = skip_string(text, i);
    } else if (size_t after = skip_comment(text, i); after != i) {
      blank(out, i, after);
      i = after;
    } else {
      if (c == ',') {
        size_t next = next_significant(text, i + 1);
        if (next < text.size() && (text[next] == '}' || text[next] == ']')) out[i] = ' ';
      }
      ++i;
    }
  }
  return out;
}

std::expected<nlohmann::ordered_json, JsoncError> parse_jsonc(std::string_view text) {
  if (json_nesting_depth(text, kMaxJsoncDepth) > kMaxJsoncDepth)
    return std::unexpected(JsoncError{fmt::format("nested deeper than {} levels", kMaxJsoncDepth), 0, true});
  std::string clean = blank_comments_and_trailing_commas(text);
  try {
    // Comments are already blanked; ignore_comments stays on as a second line of defence.
    return nlohmann::ordered_json::parse(clean, nullptr, true, true);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and counts bytes of `clean`, which has the offsets of `text`.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return std::unexpected(JsoncError{strip_exception_prefix(e.what()), line_at(text, offset)});
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(JsoncError{strip_exception_prefix(e.what()), 0});
  }
}

}  // namespace refguard::detect::agent_config
