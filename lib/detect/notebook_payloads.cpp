#include "detect/notebook_payloads.h"

#include <cstring>
#include <utility>
#include <vector>

#include "util/nesting_depth.h"

namespace refguard::detect {

namespace {

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
  return at;
}

// The value starting at `at` when it is a string or an array of strings:
// the ranges of their contents (between the quotes) and the index past it.
bool string_values(std::string_view text, size_t at, std::vector<std::pair<size_t, size_t>>& contents, size_t& past) {
  if (at < text.size() && text[at] == '"') {
    size_t end = quoted_string_end(text, at);
    if (end == std::string_view::npos) return false;
    contents.emplace_back(at + 1, end - 1);
    past = end;
    return true;
  }
  if (at >= text.size() || text[at] != '[') return false;
  at = skip_space(text, at + 1);
  while (at < text.size() && text[at] != ']') {
    if (text[at] != '"') return false;  // a number, an object, a nested array: left as it is
    size_t end = quoted_string_end(text, at);
    if (end == std::string_view::npos) return false;
    contents.emplace_back(at + 1, end - 1);
    at = skip_space(text, end);
    if (at < text.size() && text[at] == ',') at = skip_space(text, at + 1);
  }
  if (at >= text.size()) return false;
  past = at + 1;
  return true;
}

}  // namespace

bool is_json_mime(std::string_view mime) { return mime == "application/json" || mime.ends_with("+json"); }
bool is_text_mime(std::string_view mime) { return mime.starts_with("text/") || mime == "application/javascript"; }

std::optional<std::string> without_binary_payloads(std::string_view text, size_t min_bytes) {
  std::vector<std::pair<size_t, size_t>> blank;  // content ranges to empty, ascending
  std::vector<std::pair<size_t, size_t>> contents;
  for (size_t at = 0; at < text.size();) {
    const auto* quote = static_cast<const char*>(std::memchr(text.data() + at, '"', text.size() - at));
    if (!quote) break;
    size_t open = static_cast<size_t>(quote - text.data());
    size_t end = quoted_string_end(text, open);
    if (end == std::string_view::npos) break;
    at = end;
    // A key: a string followed by ':'. Compared as written: a key spelled
    // with escapes ("image\/png") is simply not blanked.
    size_t colon = skip_space(text, end);
    if (colon >= text.size() || text[colon] != ':') continue;
    std::string_view key = text.substr(open + 1, end - open - 2);
    if (key.find('/') == std::string_view::npos || is_text_mime(key) || is_json_mime(key)) continue;
    contents.clear();
    size_t past = 0;
    if (!string_values(text, skip_space(text, colon + 1), contents, past)) continue;
    size_t bytes = 0;
    for (auto [from, to] : contents) bytes += to - from;
    if (bytes >= min_bytes) blank.insert(blank.end(), contents.begin(), contents.end());
    at = past;
  }
  if (blank.empty()) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (auto [from, to] : blank) {
    out.append(text.substr(copied, from - copied));
    copied = to;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace refguard::detect
