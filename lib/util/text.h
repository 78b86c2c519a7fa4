#pragma once
// Small ASCII text helpers shared by the parsers (config files, push options,
// pickles, MCP settings). Locale-independent on purpose: the input is pushed
// content or config, never a user's prose. Header-only: the hook's protocol
// code (ipc/) uses them and links nothing but the standard library.
#include <cstdint>
#include <string>
#include <string_view>

namespace refguard {

inline constexpr std::string_view kAsciiSpace = " \t\r\n\f\v";

/// What git calls binary (xdiff's buffer_is_binary): a NUL byte among the
/// first 8,000. One test for the scan and the line diffs, so that a file
/// scanned by lines is also diffed by lines.
inline bool looks_binary(std::string_view content) {
  return content.substr(0, 8000).find('\0') != std::string_view::npos;
}

/// `text` without leading and trailing characters from `chars` (by default
/// ASCII white space, as isspace() in the C locale).
inline std::string_view trim(std::string_view text, std::string_view chars = kAsciiSpace) {
  size_t first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(chars) - first + 1);
}

/// The largest length up to `limit` at which `text` can be cut without
/// splitting a UTF-8 sequence (text printed to terminals, kept in reports);
/// `text.size()` when `limit` passes its end.
inline size_t utf8_cut(std::string_view text, size_t limit) {
  if (limit >= text.size()) return text.size();
  while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) --limit;
  return limit;
}

/// Appends code point `c` encoded as UTF-8 (the caller passes a valid one).
inline void append_utf8(std::string& out, char32_t c) {
  auto put = [&out](uint32_t byte) { out.push_back(static_cast<char>(byte)); };
  auto code = static_cast<uint32_t>(c);
  if (code < 0x80) {
    put(code);
  } else if (code < 0x800) {
    put(0xC0 | (code >> 6)), put(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    put(0xE0 | (code >> 12)), put(0x80 | ((code >> 6) & 0x3F)), put(0x80 | (code & 0x3F));
  } else {
    put(0xF0 | (code >> 18)), put(0x80 | ((code >> 12) & 0x3F)), put(0x80 | ((code >> 6) & 0x3F)),
        put(0x80 | (code & 0x3F));
  }
}

/// `text` with A-Z turned into a-z; other bytes (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace refguard
