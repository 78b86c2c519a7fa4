#include "engine/push_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/finding_ignore.h"
#include "git/default_branch.h"

namespace refguard::engine {

std::vector<std::string> check_ref_rules(const CompiledPolicy& policy, const std::vector<git::RefUpdate>& updates) {
  std::vector<std::string> violations;
  for (const auto& update : updates) {
    for (const auto& rule : policy.ref_rules()) {
      if (!rule.matches(update.ref)) continue;
      const char* what = update.is_delete() && rule.spec.forbid_delete  ? "deleting"
                         : update.forced && rule.spec.forbid_force_push ? "force-pushing"
                                                                        : nullptr;
      if (!what) continue;
      violations.push_back(fmt::format("{} {} is forbidden by policy ({}){}", what, update.ref,
                                       rule.spec.origin.text(), rule.spec.message.empty() ? "" : ": " + rule.spec.message));
      break;
    }
  }
  return violations;
}

Expected<std::vector<std::string>> check_policy_changes(PolicyStore& store, const CompiledPolicy& policy,
                                                        const git::PushContent& content, git_repository* view,
                                                        git::ObjectReader& objects, const std::string& git_dir,
                                                        const std::string& default_branch, const std::string& pusher) {
  std::vector<std::string> problems;
  const auto& editors = policy.settings().policy_editors;
  bool is_editor = editors.empty() || std::find(editors.begin(), editors.end(), pusher) != editors.end();
  for (const auto& update : content.updates) {
    if (update.ref != default_branch || update.is_delete()) continue;
    for (const char* path : {kCommittedPolicyFile, kCommittedIgnoreFile}) {
      auto before = git::blob_at(view, update.old_id, path);
      if (!before) return std::unexpected(before.error());
      auto after = git::blob_at(view, update.new_id, path);
      if (!after) return std::unexpected(after.error());
      if (*before == *after) continue;
      if (!is_editor)
        problems.push_back(fmt::format("{} may not change {} on {} (policy editors: {})",
                                       pusher.empty() ? "an unidentified pusher" : pusher, path, default_branch,
                                       fmt::join(editors, ", ")));
      if (path != std::string_view(kCommittedPolicyFile) || !*after) continue;
      auto blob = objects.read_blob(**after, path);
      if (!blob) return std::unexpected(blob.error());
      std::string name = fmt::format("{} (commit {})", kCommittedPolicyFile, update.new_id.short_hex());
      if (auto checked = store.check_committed_layer(git_dir, std::string(blob->content), name); !checked)
        problems.push_back("the pushed policy is invalid:\n" + checked.error().message);
    }
  }
  return problems;
}

}  // namespace refguard::engine
