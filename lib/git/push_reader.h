#pragma once
// Finds what a push makes new: the commits reachable from the pushed tips and
// from no existing ref, and per commit the files it changes relative to its
// parents (tree diffs only; contents and line diffs are read later, on demand,
// through git/object_reader.h). Runs with the repository's mutex held.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "git/commit_changes_cache.h"
#include "git/push_content.h"
#include "git/repository_cache.h"
#include "git/view_pool.h"
#include "util/error.h"

namespace refguard::git {

struct PushLimits {
  size_t max_commits = 200000;
  uint64_t max_blob_bytes = 1ull << 30;  // blob content read for one push (see ObjectReader)
  // Offline scans of a partial clone, or of a mirror that lacks large objects:
  // a missing blob is marked (FileChange::missing) and listed, not an error.
  // Never for a push, where a missing object is a corrupt push.
  bool missing_blobs_allowed = false;
};

/// Given commits the push brings, says per commit whether it was judged
/// before under the policy in force (engine/commit_findings_cache.h), with
/// its parents and summary (null: not judged). Such a commit is not read at
/// all when the push's pack lists it, and its trees are never diffed
/// (CommitRecord::files_read is false), unless its changes are cached anyway.
/// Asked at most once per commit, in few batches: a large push's packed
/// commits before the walk, then whatever the walk met besides. Null: every
/// commit is read.
using JudgedBefore =
    std::function<std::vector<std::shared_ptr<const JudgedCommit>>(const std::vector<ObjectId>& commits)>;

/// `view` reads the push's objects (git/quarantine_odb.h); `quarantine_dir`
/// is its quarantine, "" when there is none (post-receive, offline scans). The
/// result's `updates` are `updates` with `forced` filled in.
/// `changes_cache` (may be null) holds the changes of commits read before;
/// `parallel` lets the tree diffs of many commits run on a work pool.
Expected<PushContent> read_push(CachedRepository& repository, git_repository* view, const std::string& quarantine_dir,
                                std::vector<RefUpdate> updates, const PushLimits& limits,
                                CommitChangesCache* changes_cache = nullptr, ParallelReading parallel = {},
                                const JudgedBefore& judged_before = nullptr);

/// For offline scans: the commits of `range` ("A..B", a single rev = its whole
/// history, "" = every ref), read the same way.
Expected<PushContent> read_range(CachedRepository& repository, const std::string& range, const PushLimits& limits,
                                 CommitChangesCache* changes_cache = nullptr, ParallelReading parallel = {},
                                 const JudgedBefore& judged_before = nullptr);

}  // namespace refguard::git
