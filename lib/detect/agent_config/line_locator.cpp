#include "detect/agent_config/line_locator.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace refguard::detect::agent_config {

namespace {

// The spelling of `text` inside a JSON string literal, without the quotes.
std::string json_escaped(std::string_view text) {
  std::string quoted = nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

LineLocator::LineLocator(std::string_view content) : content_(content) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < content_.size(); ++i)
    if (content_[i] == '\n') line_starts_.push_back(i + 1);
}

uint32_t LineLocator::line_of(size_t offset) const {
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<uint32_t>(after - line_starts_.begin());
}

size_t LineLocator::search(std::string_view text, size_t from) const {
  if (text.empty()) return std::string_view::npos;
  size_t found = content_.find(text, from);
  if (found != std::string_view::npos) return found;
  std::string escaped = json_escaped(text);
  return escaped == text ? std::string_view::npos : content_.find(escaped, from);
}

uint32_t LineLocator::find(const std::vector<std::string>& keys, std::string_view needle) const {
  size_t from = 0;
  bool anchored = true;
  for (const std::string& key : keys) {
    std::string quoted = "\"" + json_escaped(key) + "\"";
    size_t at = content_.find(quoted, from);
    if (at == std::string_view::npos) {
      anchored = false;
      break;
    }
    from = at + quoted.size();
  }
  size_t found = anchored ? search(needle, from) : std::string_view::npos;
  if (found == std::string_view::npos) found = search(needle, 0);
  return found == std::string_view::npos ? 0 : line_of(found);
}

}  // namespace refguard::detect::agent_config
