#pragma once
// The rules a push breaks by what it does to refs, not by what its files
// hold: protected refs (forbidden force-pushes and deletions) and changes of
// the committed policy file on the default branch (only policy editors, and
// only a policy that loads). Each violation is one message; each blocks.
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/policy_store.h"
#include "git/object_reader.h"
#include "git/push_content.h"
#include "util/error.h"

namespace refguard::engine {

/// Forbidden force-pushes and deletions of `updates` under `policy`'s ref rules.
std::vector<std::string> check_ref_rules(const CompiledPolicy& policy, const std::vector<git::RefUpdate>& updates);

/// A push that changes the committed policy (or the committed ignore file)
/// on the default branch must come from a policy editor (when the policy
/// names any), and a policy must load, exactly as `refguard policy check`
/// would; it never judges itself (the policy in force is the one from before
/// the push). "Changes" compares the file at the default branch's old and
/// new tips, whatever the route: new commits, a fast-forward onto commits
/// pushed to another branch before, a reset, or the branch's creation.
/// `view` reads the push's objects. Fails when an object cannot be read.
Expected<std::vector<std::string>> check_policy_changes(PolicyStore& store, const CompiledPolicy& policy,
                                                        const git::PushContent& content, git_repository* view,
                                                        git::ObjectReader& objects, const std::string& git_dir,
                                                        const std::string& default_branch, const std::string& pusher);

}  // namespace refguard::engine
