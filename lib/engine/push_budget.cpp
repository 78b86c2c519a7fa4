#include "engine/push_budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/bypass.h"

namespace refguard::engine {

namespace {

bool asked_to_import(const std::vector<std::string>& options) {
  return std::any_of(options.begin(), options.end(), [](const std::string& option) {
    return option == kImportOption || option.starts_with(std::string(kImportOption) + "=");
  });
}

}  // namespace

PushBudget push_budget(const CompiledPolicy& policy, const std::string& pusher,
                       const std::vector<std::string>& push_options) {
  const auto& settings = policy.settings();
  PushBudget budget;
  budget.limits.max_commits = settings.max_push_commits;
  budget.limits.max_blob_bytes = settings.max_push_mib << 20;
  budget.time_budget_ms = settings.time_budget_ms;
  if (!asked_to_import(push_options)) return budget;
  if (!may_import(policy, pusher)) {
    // The push is still checked, under the ordinary limits: an import is a
    // larger budget, never a way past a check.
    budget.notices.push_back(fmt::format("{} ignored: {} may not import (settings.import_users); checking under the "
                                         "ordinary limits",
                                         kImportOption, pusher.empty() ? std::string("an unnamed pusher") : pusher));
    return budget;
  }
  budget.import = true;
  budget.limits.max_commits = settings.import_max_push_commits;
  budget.limits.max_blob_bytes = settings.import_max_push_mib << 20;
  budget.time_budget_ms = settings.import_time_budget_ms;
  budget.notices.push_back(fmt::format("import by {}: every file is checked (up to {} MiB of new content, {} s); "
                                       "progress follows",
                                       pusher, settings.import_max_push_mib, settings.import_time_budget_ms / 1000));
  return budget;
}

}  // namespace refguard::engine
