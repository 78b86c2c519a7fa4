#pragma once
// Small ASCII text helpers shared by the parsers (config files, push options,
// pickles, MCP settings). Locale-independent on purpose: the input is pushed
// content or config, never a user's prose. Header-only: the hook's protocol
// code (ipc/) uses them and links nothing but the standard library.
#include <string>
#include <string_view>

namespace refguard {

inline constexpr std::string_view kAsciiSpace = " \t\r\n\f\v";

/// `text` without leading and trailing characters from `chars` (by default
/// ASCII white space, as isspace() in the C locale).
inline std::string_view trim(std::string_view text, std::string_view chars = kAsciiSpace) {
  size_t first = text.find_first_not_of(chars);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(chars) - first + 1);
}

/// `text` with A-Z turned into a-z; other bytes (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace refguard
