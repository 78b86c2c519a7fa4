#include "detect/model/global_policy.h"

#include <algorithm>

#include "detect/model/global_lists.h"

namespace refguard::detect::model {

namespace {

bool is_identifier(std::string_view part) {
  if (part.empty() || (part[0] >= '0' && part[0] <= '9')) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::vector<std::string_view> split_dots(std::string_view text) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string_view>& parts, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out += '.';
    out += parts[i];
  }
  return out;
}

}  // namespace

bool global_matches(std::string_view pattern, std::string_view module, std::string_view name) {
  if (pattern.ends_with(".*")) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 2);
    return module == prefix || (module.starts_with(prefix) && module.size() > prefix.size() && module[prefix.size()] == '.');
  }
  return pattern.size() == module.size() + 1 + name.size() && pattern.starts_with(module) &&
         pattern[module.size()] == '.' && pattern.ends_with(name);
}

GlobalPolicy::GlobalPolicy(std::vector<std::string> extra_safe, std::vector<std::string> extra_dangerous)
    : extra_safe_(std::move(extra_safe)), extra_dangerous_(std::move(extra_dangerous)) {}

std::optional<std::string> GlobalPolicy::danger(std::string_view module, std::string_view name) const {
  // The unpickler maps Python 2 module names, so "__builtin__.eval" is builtins.eval.
  std::string_view modules[] = {module, python3_module_name(module)};
  for (std::string_view candidate : modules) {
    for (const auto& pattern : extra_dangerous_)
      if (global_matches(pattern, candidate, name)) return std::string("listed in extra_dangerous_globals");
    for (const auto& entry : builtin_dangerous_globals())
      if (global_matches(entry.pattern, candidate, name)) return std::string(entry.reason);
  }
  return std::nullopt;
}

std::optional<std::string> GlobalPolicy::danger_through_attributes(std::string_view name) const {
  // Protocol 4 resolves a dotted name attribute by attribute, so "torch" +
  // "serialization.os.system" is os.system: judge every module-and-name split of the path.
  auto parts = split_dots(name);
  for (std::string_view part : parts)
    for (std::string_view attribute : dangerous_attributes())
      if (part == attribute) return "walks to " + std::string(attribute) + " through an attribute path";
  for (size_t begin = 0; begin + 1 < parts.size(); ++begin)
    for (size_t end = begin + 1; end < parts.size(); ++end)
      if (auto why = danger(join(parts, begin, end), join(parts, end, parts.size())))
        return *why + " (reached through an attribute path)";
  return std::nullopt;
}

Judgement GlobalPolicy::judge(std::string_view module, std::string_view name) const {
  if (auto why = danger(module, name)) return {Verdict::kDangerous, *why};
  if (name.find('.') != std::string_view::npos)
    if (auto why = danger_through_attributes(name)) return {Verdict::kDangerous, *why};
  std::string_view modules[] = {module, python3_module_name(module)};
  for (std::string_view candidate : modules) {
    for (const auto& pattern : extra_safe_)
      if (global_matches(pattern, candidate, name)) return {Verdict::kSafe, {}};
    for (std::string_view pattern : builtin_safe_globals())
      if (global_matches(pattern, candidate, name)) return {Verdict::kSafe, {}};
  }
  return {Verdict::kUnknown, {}};
}

std::optional<std::string> GlobalPolicy::pattern_error(std::string_view pattern) {
  auto parts = split_dots(pattern);
  if (parts.size() < 2) return "must be \"module.name\" or \"module.*\"";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 == parts.size() && parts[i] == "*") break;
    if (!is_identifier(parts[i])) return "'" + std::string(parts[i]) + "' is not a Python identifier (expected \"module.name\" or \"module.*\")";
  }
  return std::nullopt;
}

std::optional<std::string> GlobalPolicy::builtin_danger_overlap(std::string_view pattern) {
  bool wildcard = pattern.ends_with(".*");
  size_t dot = wildcard ? pattern.size() - 2 : pattern.rfind('.');
  std::string module(pattern.substr(0, dot));
  std::string name(wildcard ? "" : pattern.substr(dot + 1));
  for (const auto& entry : builtin_dangerous_globals()) {
    std::string_view danger = entry.pattern;
    // "os.path.*" and "os.system" fall under "os.*"; "torch.*" covers "torch.load".
    bool hit = wildcard ? danger.starts_with(module + ".") || global_matches(danger, module, "x")
                        : global_matches(danger, module, name) || global_matches(danger, python3_module_name(module), name);
    if (hit) return std::string(danger);
  }
  return std::nullopt;
}

}  // namespace refguard::detect::model
