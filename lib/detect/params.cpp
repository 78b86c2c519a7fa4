#include "detect/params.h"

#include <fmt/format.h>

namespace refguard::detect {

DetectorParams::DetectorParams(const toml::table& table, std::string file, std::string rule_id)
    : table_(table), file_(std::move(file)), rule_id_(std::move(rule_id)) {
  read_.insert("type");
}

std::string DetectorParams::position(const toml::node* node) const {
  const toml::node* at = node ? node : &table_;
  auto begin = at->source().begin;
  return fmt::format("{}:{}", file_, begin.line);
}

const toml::node* DetectorParams::get(std::string_view key) {
  read_.insert(std::string(key));
  return table_.get(key);
}

void DetectorParams::error(std::string_view key, std::string_view why) {
  errors_.push_back(fmt::format("{}: rule '{}': detector.{}: {}", position(table_.get(key)), rule_id_, key, why));
}

std::optional<std::string> DetectorParams::string(std::string_view key, bool required) {
  const toml::node* node = get(key);
  if (!node) {
    if (required) error(key, "is required");
    return std::nullopt;
  }
  if (auto value = node->value<std::string>()) return *value;
  error(key, "must be a string");
  return std::nullopt;
}

std::vector<std::string> DetectorParams::strings(std::string_view key) {
  std::vector<std::string> out;
  const toml::node* node = get(key);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array) {
    error(key, "must be an array of strings");
    return out;
  }
  for (const auto& element : *array) {
    if (auto value = element.value<std::string>()) out.push_back(*value);
    else error(key, "must be an array of strings");
  }
  return out;
}

std::optional<double> DetectorParams::number(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return std::nullopt;
  if (auto value = node->value<double>()) return *value;
  error(key, "must be a number");
  return std::nullopt;
}

std::optional<int64_t> DetectorParams::integer(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return std::nullopt;
  if (node->is_integer()) return node->value<int64_t>();
  error(key, "must be an integer");
  return std::nullopt;
}

std::optional<bool> DetectorParams::boolean(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return std::nullopt;
  if (auto value = node->value<bool>()) return *value;
  error(key, "must be true or false");
  return std::nullopt;
}

const toml::table* DetectorParams::table(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  if (const toml::table* t = node->as_table()) return t;
  error(key, "must be a table");
  return nullptr;
}

Expected<void> DetectorParams::finish() {
  for (const auto& [key, node] : table_)
    if (!read_.contains(key.str()))
      errors_.push_back(fmt::format("{}: rule '{}': detector.{}: unknown key", position(&node), rule_id_, key.str()));
  if (errors_.empty()) return {};
  return fail(fmt::format("{}", fmt::join(errors_, "\n")));
}

}  // namespace refguard::detect
