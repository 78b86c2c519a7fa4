#pragma once
// Best-effort line numbers for values of a parsed JSON file. nlohmann keeps no
// positions, so we search the raw text: first for each anchor (the JSON keys
// leading to the value, quoted) in order, then for the value itself.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::detect::agent_config {

class LineLocator {
 public:
  /// `content` must outlive the locator.
  explicit LineLocator(std::string_view content);

  /// 1-based line of `needle` found after the anchors `keys` (JSON object keys,
  /// matched as quoted strings, each after the previous). Falls back to the
  /// first occurrence of `needle` anywhere; 0 when it does not occur.
  uint32_t find(const std::vector<std::string>& keys, std::string_view needle) const;

  /// 1-based line of a byte offset.
  uint32_t line_of(size_t offset) const;

 private:
  // Offset of `text` at or after `from`, trying both its decoded and its
  // JSON-escaped spelling; npos if neither occurs.
  size_t search(std::string_view text, size_t from) const;

  std::string_view content_;
  std::vector<size_t> line_starts_;  // offset of the first byte of each line
};

}  // namespace refguard::detect::agent_config
