#pragma once
// Typed, checked access to one rule's [rule.detector] table. Every key a
// factory does not read is reported as unknown by finish(), and every error
// names the file, line, key and reason, so an admin can fix the policy file.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace refguard::detect {

class DetectorParams {
 public:
  DetectorParams(const toml::table& table, std::string file, std::string rule_id);

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::vector<std::string> strings(std::string_view key);
  std::optional<double> number(std::string_view key);
  std::optional<int64_t> integer(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  /// The sub-table at `key`, if present (marked as read).
  const toml::table* table(std::string_view key);

  /// Records an error about `key` (position taken from the key's value).
  void error(std::string_view key, std::string_view why);
  /// Reports unknown keys; returns every recorded error joined by newlines.
  Expected<void> finish();

  const std::string& rule_id() const { return rule_id_; }
  const std::string& file() const { return file_; }

 private:
  std::string position(const toml::node* node) const;
  const toml::node* get(std::string_view key);
  const toml::table& table_;
  std::string file_;
  std::string rule_id_;
  std::set<std::string, std::less<>> read_;
  std::vector<std::string> errors_;
};

}  // namespace refguard::detect
