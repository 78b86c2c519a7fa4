#include "policy/toml_reader.h"

#include <fmt/format.h>

namespace refguard::policy {

void TomlReader::error(const toml::node* at, std::string_view key, std::string_view why) {
  uint32_t line = at ? at->source().begin.line : 0;
  errors_.push_back(line ? fmt::format("{}:{}: {}: {}", source_, line, key, why)
                         : fmt::format("{}: {}: {}", source_, key, why));
}

std::optional<std::string> TomlReader::string(const toml::table& table, std::string_view key, std::string_view where) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (auto value = node->value<std::string>()) return *value;
  error(node, fmt::format("{}{}", where, key), "must be a string");
  return std::nullopt;
}

std::optional<std::vector<std::string>> TomlReader::strings(const toml::table& table, std::string_view key,
                                                            std::string_view where) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  std::vector<std::string> out;
  const toml::array* array = node->as_array();
  bool ok = array != nullptr;
  if (array)
    for (const auto& element : *array) {
      if (auto value = element.value<std::string>()) out.push_back(*value);
      else ok = false;
    }
  if (!ok) {
    error(node, fmt::format("{}{}", where, key), "must be an array of strings");
    return std::nullopt;
  }
  return out;
}

}  // namespace refguard::policy
