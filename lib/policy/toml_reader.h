#pragma once
// What every reader of a TOML file written by an admin shares (the policy
// layers, an imported gitleaks.toml): errors collected with `file:line:`,
// all reported at once, and typed reads of one key that record a wrong type
// as an error instead of throwing.
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::policy {

class TomlReader {
 public:
  explicit TomlReader(std::string source) : source_(std::move(source)) {}

  /// Records "source:line: key: why" (no line when `at` is null).
  void error(const toml::node* at, std::string_view key, std::string_view why);

  /// The string at `key`, nullopt when absent or (an error) not a string.
  std::optional<std::string> string(const toml::table& table, std::string_view key, std::string_view where);

  /// The array of strings at `key`, nullopt when absent or (an error) not one.
  std::optional<std::vector<std::string>> strings(const toml::table& table, std::string_view key,
                                                  std::string_view where);

  const std::string& source() const { return source_; }
  const std::vector<std::string>& errors() const { return errors_; }

 protected:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace refguard::policy
