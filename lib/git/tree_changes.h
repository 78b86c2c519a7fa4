#pragma once
// The regular files whose content differs between two trees, like
// `git diff-tree -r`: a merge walk over both trees' sorted entries that skips
// every subtree whose id is the same on both sides, so a commit costs what it
// changes, not what the repository holds. (libgit2's git_diff_tree_to_tree
// costs several times `git log -p` over a long history; most pushes only need
// to know which blobs changed.) Content that only moved within the diff (an
// added file whose blob the other side had at a changed or removed path) is
// listed with where it came from: whether it is new at its new path depends
// on what looked at it at the old one (a rule's paths and allowlist), which
// only the caller knows.
#include <string>
#include <vector>

#include "git/handles.h"
#include "util/error.h"

namespace refguard::git {

struct TreeChange {
  std::string path;
  git_oid blob;
  git_oid base;  // the blob it replaces at the same path; zero when the path is new; `blob` when it only moved
  std::string moved_from;  // content that only moved: a path where the old side held it; "" otherwise
};

/// The trees are read through `odb` (git/raw_tree.h); `old_tree` may be
/// null (the empty tree, for a root commit). Symlinks and submodule gitlinks
/// are not files to scan and are never listed. A missing or corrupt tree is
/// an error naming it.
Expected<std::vector<TreeChange>> changed_files(git_odb* odb, const git_oid* old_tree, const git_oid& new_tree);

}  // namespace refguard::git
