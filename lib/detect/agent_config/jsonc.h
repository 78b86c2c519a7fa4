#pragma once
// "JSON with comments", the dialect VS Code, Cursor and Claude write their
// settings in: standard JSON plus // and /* */ comments and trailing commas.
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace refguard::detect::agent_config {

struct JsoncError {
  std::string reason;  // nlohmann's message without its "[json.exception...]" prefix
  uint32_t line = 0;   // 1-based line of the failure in the original text; 0 if unknown
  bool too_deep = false;  // refused for nesting deeper than kMaxJsoncDepth, not parsed
};

/// Deepest nesting parse_jsonc accepts; deeper text is refused before parsing
/// (a file of 300,000 '[' is an attack on the parser's callers, not a config).
inline constexpr size_t kMaxJsoncDepth = 256;

/// Parses `text`. Object keys keep their file order so findings come out in
/// reading order. Never throws. Text nested deeper than kMaxJsoncDepth is an
/// error whose `too_deep` is set.
std::expected<nlohmann::ordered_json, JsoncError> parse_jsonc(std::string_view text);

/// A copy of `text` with comments and trailing commas replaced by spaces.
/// Newlines and byte offsets are kept, so parser positions still point into `text`.
std::string blank_comments_and_trailing_commas(std::string_view text);

}  // namespace refguard::detect::agent_config
