#pragma once
// Honest, accountable bypass. A pusher the policy allows may push past
// blocking findings with `git push -o refguard.bypass="reason"` (a reason is
// required), or past exactly one finding with `-o refguard.allow=<id>`.
// Who may: settings.bypass_users (every rule) and each rule's bypass_users;
// a rule with allow_bypass = false (a lock) can never be bypassed.
#include <set>
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "engine/report.h"

namespace refguard::engine {

struct BypassRequest {
  std::string reason;              // "" = no bypass asked
  bool asked = false;              // refguard.bypass given (maybe without a reason)
  std::set<std::string> allow_ids; // refguard.allow=<id>
};

BypassRequest parse_push_options(const std::vector<std::string>& options);

struct BypassOutcome {
  size_t bypassed = 0;
  std::vector<ReportLine> lines;  // what the pusher is told about the bypass
};

/// Marks the findings the pusher may and asked to push past; says why not where not.
BypassOutcome apply_bypass(const CompiledPolicy& policy, const std::string& pusher, const BypassRequest& request,
                           std::vector<Finding>& findings);

/// May `pusher` bypass `rule_id` under `policy`?
bool may_bypass(const CompiledPolicy& policy, const std::string& pusher, const std::string& rule_id);

/// May `pusher` import a history under the import budget (settings.import_users,
/// or settings.bypass_users: who may push past findings may push a lot at once)?
bool may_import(const CompiledPolicy& policy, const std::string& pusher);

/// "ask one of: alice, bob" (or the policy's contact).
std::string whom_to_ask(const CompiledPolicy& policy, const std::string& rule_id);

}  // namespace refguard::engine
