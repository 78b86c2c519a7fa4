#pragma once
// core.sharedRepository as git applies it (git's adjust_shared_perm): files
// refguard writes into a repository (the objects and ref of a git note) get
// the permissions git would have given them, so that the other users of a
// group-shared repository (SSH as `git`, smart HTTP as `www-data`) can still
// write objects into the same objects/xx/ directories and `git gc` them.
// libgit2 creates files with the process umask and knows nothing of the setting.
#include <git2.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace refguard::git {

/// The setting, parsed as git parses it. `umask` = leave modes alone.
struct SharedMode {
  enum class Kind { kUmask, kAdd, kExact } kind = Kind::kUmask;
  unsigned bits = 0;  // kAdd: bits added (0660 group, 0664 all); kExact: the mode (e.g. 0640)
};

/// Parses a core.sharedRepository value; nullopt-like error for nonsense.
Expected<SharedMode> parse_shared_mode(const std::string& value);

/// The mode git gives a file or directory with `mode` under `shared`
/// (directories also get setgid, and x where they have r).
unsigned shared_file_mode(unsigned mode, bool directory, const SharedMode& shared);

/// The repository's core.sharedRepository (umask when unset or unreadable).
SharedMode shared_mode_of(git_repository* repository);

/// Applies `shared` to each of `relative_paths` under `git_dir` that exists
/// (lstat; symlinks are left alone). Returns what could not be changed.
std::vector<std::string> share_like_git(const std::string& git_dir, const SharedMode& shared,
                                        const std::vector<std::string>& relative_paths);

}  // namespace refguard::git
