#pragma once
// Finds what a push makes new and reads it: the commits reachable from the
// pushed tips and from no existing ref, each diffed against its parents, and
// the blobs they add. Runs with the repository's mutex held; single-threaded.
#include <cstdint>
#include <string>
#include <vector>

#include "git/push_content.h"
#include "git/repository_cache.h"
#include "ipc/request.h"
#include "util/error.h"

namespace refguard::git {

struct PushLimits {
  size_t max_commits = 200000;
  uint64_t max_blob_bytes = 1ull << 30;  // content read into memory for one push
};

/// `quarantine_dir` is "" when there is none (post-receive, offline scans).
Expected<PushContent> read_push(CachedRepository& repository, const std::string& quarantine_dir,
                                const std::vector<ipc::RefUpdate>& updates, const PushLimits& limits);

/// For offline scans: the commits of `range` ("A..B", a single rev = its whole
/// history, "" = every ref), read the same way.
Expected<PushContent> read_range(CachedRepository& repository, const std::string& range, const PushLimits& limits);

}  // namespace refguard::git
