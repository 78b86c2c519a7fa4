#include "engine/bypass.h"
#include "util/text.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/number_text.h"

namespace refguard::engine {

namespace {

constexpr std::string_view kBypassOption = "refguard.bypass";
constexpr std::string_view kAllowOption = "refguard.allow";

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

BypassRequest parse_push_options(const std::vector<std::string>& options) {
  BypassRequest request;
  for (const auto& option : options) {
    size_t eq = option.find('=');
    std::string_view key = std::string_view(option).substr(0, eq);
    std::string value(eq == std::string::npos ? std::string_view() : trim(std::string_view(option).substr(eq + 1), " \"'"));
    if (key == kBypassOption) {
      request.asked = true;
      request.reason = value;
    } else if (key == kAllowOption && !value.empty()) {
      request.allow_ids.insert(value);
    }
  }
  return request;
}

bool may_import(const CompiledPolicy& policy, const std::string& pusher) {
  const auto& settings = policy.settings();
  return !pusher.empty() && (contains(settings.import_users, pusher) || contains(settings.bypass_users, pusher));
}

bool may_bypass(const CompiledPolicy& policy, const std::string& pusher, const std::string& rule_id) {
  const CompiledRule* rule = policy.rule(rule_id);
  if (!rule || !rule->spec.allow_bypass || pusher.empty()) return false;
  // A repository's own bypass list never reaches a rule the system locked.
  bool repository_grant = !rule->spec.locked && contains(policy.settings().repository_bypass_users, pusher);
  return repository_grant || contains(policy.settings().bypass_users, pusher) ||
         contains(rule->spec.bypass_users, pusher);
}

// As GitHub's delegated bypass does: the contact and everyone who could push
// past this rule, so the pusher knows whom to ask without reading the policy.
std::string whom_to_ask(const CompiledPolicy& policy, const std::string& rule_id) {
  const CompiledRule* rule = policy.rule(rule_id);
  std::vector<std::string> people;
  if (!rule || rule->spec.allow_bypass) {
    people = policy.settings().bypass_users;
    auto add = [&](const std::vector<std::string>& users) {
      for (const auto& user : users)
        if (!contains(people, user)) people.push_back(user);
    };
    if (rule) add(rule->spec.bypass_users);
    if (!rule || !rule->spec.locked) add(policy.settings().repository_bypass_users);
  }
  const std::string& contact = policy.settings().contact;
  std::string may = people.empty() ? "" : fmt::format("{} may bypass it", fmt::join(people, ", "));
  if (!contact.empty() && !may.empty()) return fmt::format("ask {} ({})", contact, may);
  if (!contact.empty()) return "ask " + contact;
  if (!may.empty()) return "ask one of: " + fmt::format("{}", fmt::join(people, ", ")) + " (they may bypass it)";
  return "ask your repository or server admin";
}

BypassOutcome apply_bypass(const CompiledPolicy& policy, const std::string& pusher, const BypassRequest& request,
                           std::vector<Finding>& findings) {
  BypassOutcome outcome;
  auto tell = [&](ipc::LineKind kind, std::string_view text) { outcome.lines.push_back({kind, prefixed(text)}); };
  if (request.asked && request.reason.empty()) {
    tell(ipc::LineKind::kError,
         "refguard.bypass needs a reason: git push -o refguard.bypass=\"why this must go in now\"");
  }
  std::set<std::string> refused_rules;
  std::set<std::string> unknown_ids = request.allow_ids;
  for (auto& finding : findings) {
    if (finding.severity != detect::Severity::kBlock) continue;
    bool by_id = request.allow_ids.contains(finding.id);
    if (by_id) unknown_ids.erase(finding.id);
    bool asked = by_id || !request.reason.empty();
    if (!asked) continue;
    if (!may_bypass(policy, pusher, finding.rule_id)) {
      refused_rules.insert(finding.rule_id);
      continue;
    }
    finding.bypassed = true;
    ++outcome.bypassed;
  }
  for (const auto& rule : refused_rules) {
    const CompiledRule* compiled = policy.rule(rule);
    std::string who = pusher.empty() ? "an unidentified pusher" : pusher;
    tell(ipc::LineKind::kError,
         compiled && !compiled->spec.allow_bypass
             ? fmt::format("rule '{}' cannot be bypassed by anyone (locked by policy)", rule)
             : fmt::format("{} may not bypass rule '{}'; {}", who, rule, whom_to_ask(policy, rule)));
  }
  for (const auto& id : unknown_ids)
    tell(ipc::LineKind::kWarning, fmt::format("refguard.allow={}: no blocking finding of this push has that id", id));
  if (outcome.bypassed > 0)
    tell(ipc::LineKind::kWarning,
         fmt::format("BYPASS by {}: {} pushed past{}; this is recorded in the audit log", pusher,
                     counted(outcome.bypassed, "blocking finding", "blocking findings"), request.reason.empty() ? "" : fmt::format(" (reason: \"{}\")", request.reason)));
  return outcome;
}

}  // namespace refguard::engine
