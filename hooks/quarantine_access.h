#pragma once
// Lets the daemon read a push's quarantine in a repository shared by group.
//
// git receives a push into objects/tmp_objdir-incoming-XXXXXX, which it
// creates mode 0700 (owned by the pusher) even when core.sharedRepository is
// `group`: the objects inside get the shared modes, the directory does not.
// When the pusher is not the service user the daemon runs as (smart HTTP as
// www-data beside SSH as git, both in the repository's group), the daemon
// could not read the pushed objects. The hook runs as the pusher, who owns
// the directory: in a repository git shares with its group it opens the
// directory to that group (read and search), the access every object will
// have once it lands. Nothing changes in a repository that is not shared.
#include <string>

namespace refguard::hook {

/// Opens `quarantine` (GIT_QUARANTINE_PATH) to the repository's group when the
/// repository's objects directory is group-writable (core.sharedRepository).
/// Returns a problem to print, or "" (also when there was nothing to do).
std::string share_quarantine_with_group(const std::string& quarantine);

}  // namespace refguard::hook
