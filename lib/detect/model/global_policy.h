#pragma once
// Judges the globals a pickle imports: dangerous (its import or call can run
// code or reach the system), safe (only rebuilds data) or unknown (neither
// list: loading runs code refguard cannot vouch for). Built-in lists plus a
// rule's extras. Immutable after construction and safe to share across threads.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::detect::model {

enum class Verdict { kSafe, kUnknown, kDangerous };

struct Judgement {
  Verdict verdict = Verdict::kUnknown;
  std::string reason;  // for dangerous globals: what it can do ("runs shell commands")
};

class GlobalPolicy {
 public:
  GlobalPolicy() = default;
  /// Extra patterns ("module.name" or "module.*") must already be valid (see pattern_error).
  /// Extra dangerous patterns win over everything; extra safe ones over the built-in safe list only.
  GlobalPolicy(std::vector<std::string> extra_safe, std::vector<std::string> extra_dangerous);

  Judgement judge(std::string_view module, std::string_view name) const;

  /// Why `pattern` is not of the form "module.name" or "module.*"; nullopt when it is.
  static std::optional<std::string> pattern_error(std::string_view pattern);
  /// The built-in dangerous entry a global matching `pattern` could hit, if any:
  /// an extra safe pattern may not allow those.
  static std::optional<std::string> builtin_danger_overlap(std::string_view pattern);

 private:
  std::optional<std::string> danger(std::string_view module, std::string_view name) const;
  std::optional<std::string> danger_through_attributes(std::string_view name) const;

  std::vector<std::string> extra_safe_;
  std::vector<std::string> extra_dangerous_;
};

/// True when `module`.`name` matches `pattern` ("module.name" exactly, or "module.*").
bool global_matches(std::string_view pattern, std::string_view module, std::string_view name);

}  // namespace refguard::detect::model
