#pragma once
// What one commit changes relative to all of its parents, from its trees
// alone (git/tree_changes.h): for a merge, only the paths every parent's diff
// has (a clean merge changes none), each with its base blob per parent. Pure
// function of the commit id, so it is cached (git/commit_changes_cache.h) and
// can run for many commits at once, one repository handle per thread.
#include <vector>

#include "git/handles.h"
#include "git/push_content.h"
#include "util/error.h"

namespace refguard::git {

/// What the caller read of a commit (git/push_reader.cpp describes every
/// commit it walks): its tree, its parents and, per parent, the parent's
/// tree when known (zero or missing: the parent commit is read for it). The
/// commit itself is not read again.
struct KnownTrees {
  ObjectId tree;
  std::vector<ObjectId> parents;
  std::vector<ObjectId> parent_trees;
};

/// `odb` (a push view's object database) reads the trees and checks that
/// every blob named is present; `repository` (its repository) reads a
/// parent commit whose tree the caller did not know. A missing blob
/// fails, unless `missing_allowed`: then the file is marked `missing` (or, when
/// only a base is missing, compared with nothing: all of it counts as new).
Expected<std::vector<FileChange>> read_commit_changes(git_repository* repository, git_odb* odb,
                                                      const git_oid& commit, const KnownTrees& trees,
                                                      bool missing_allowed = false);

}  // namespace refguard::git
