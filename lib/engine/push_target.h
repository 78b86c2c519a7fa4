#pragma once
// Turns what a hook claims (repository path, quarantine variables) into paths
// the daemon will read. Nothing from the socket is trusted: the repository is
// canonicalised and must look like a git directory; the quarantine must be a
// directory git itself would create, directly inside that repository's
// objects directory.
#include <string>
#include <vector>

#include "git/push_content.h"
#include "ipc/request.h"
#include "util/error.h"

namespace refguard::engine {

struct PushTarget {
  std::string git_dir;     // canonical
  std::string quarantine;  // canonical, "" when the push has none
};

/// `allowed_roots` (canonical directories): when not empty, the repository must lie under one.
Expected<PushTarget> resolve_push_target(const ipc::Request& request, const std::vector<std::string>& allowed_roots);

/// The request's ref updates as the engine's values (hex ids parsed; the
/// protocol parser already checked their form).
Expected<std::vector<git::RefUpdate>> ref_updates_of(const ipc::Request& request);

}  // namespace refguard::engine
