#pragma once
// `refguard install` run by root on a server where the repositories belong to
// a Git service user (`git`, `gitolite3`): what it creates must belong to that
// user, or the service user could no longer change its own hooks and config
// (git rewrites config by lock-file and rename) and root-owned files would
// sit in the repository. Git itself would refuse to touch such a repository
// as root; refguard finishes the job and hands the files over.
#include <sys/types.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace refguard::cli {

/// The owner refguard's files in `dir` should have: the owner and group of `dir`.
struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};
Expected<FileOwner> owner_of_directory(const std::string& dir);

/// When running as root and `owner` is another user: gives `dir`'s entries
/// named pre-receive*/post-receive* (recursively into NAME.d/), `dir` itself if
/// root owns it, and each of `files` that root owns, to `owner`. Returns what
/// could not be changed.
std::vector<std::string> give_hooks_to_owner(const std::string& dir, const FileOwner& owner);
std::vector<std::string> give_file_to_owner(const std::string& file, const FileOwner& owner);

}  // namespace refguard::cli
