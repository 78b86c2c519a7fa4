#include "policy/rule_spec.h"

#include <fmt/format.h>

namespace refguard::policy {

std::optional<Action> parse_action(std::string_view text) {
  if (text == "block") return Action::kBlock;
  if (text == "warn") return Action::kWarn;
  if (text == "off") return Action::kOff;
  return std::nullopt;
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kBlock: return "block";
    case Action::kWarn: return "warn";
    case Action::kOff: return "off";
  }
  return "off";
}

int strength(Action action) {
  switch (action) {
    case Action::kBlock: return 2;
    case Action::kWarn: return 1;
    case Action::kOff: return 0;
  }
  return 0;
}

std::string Origin::text() const { return line ? fmt::format("{}:{}", file, line) : file; }

}  // namespace refguard::policy
