#pragma once
// The repository's default branch (what HEAD points at) and files on it:
// the committed policy is read from there, as it is before the push.
#include <optional>
#include <string>

#include "git/handles.h"
#include "git/object_id.h"
#include "util/error.h"

namespace refguard::git {

/// "refs/heads/main", or nullopt when HEAD is detached or missing.
std::optional<std::string> default_branch_ref(git_repository* repository);

/// The text of `path` on the default branch; nullopt when the branch is
/// unborn or has no such file. Larger than `max_bytes`: an error.
Expected<std::optional<std::string>> read_default_branch_file(git_repository* repository, const std::string& path,
                                                              size_t max_bytes = 1 << 20);

/// The blob at `path` in the tree of `commit` (peeled from a tag), read
/// through `repository` (a push's view sees the quarantine too); nullopt
/// when the commit has no such file, or `commit` is the zero id.
Expected<std::optional<ObjectId>> blob_at(git_repository* repository, const ObjectId& commit, const std::string& path);

}  // namespace refguard::git
