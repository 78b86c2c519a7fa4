#pragma once
// What each commit changes, keyed by commit id. A commit id fixes its tree
// and its parents, so the answer never goes stale; caching it means a commit
// diffed once is never diffed again: a re-push after a rejection, a rebase
// onto known commits or a new branch of pushed work skips the tree diffs,
// which are most of the cost of reading a large push. LRU, bounded by entry
// count and approximate bytes; in memory only (rebuilt by the next push of
// the same commits). Thread-safe.
#include <cstddef>
#include <memory>

#include "git/handles.h"
#include "git/push_content.h"
#include "util/lru_cache.h"

namespace refguard::git {

class CommitChangesCache {
 public:
  explicit CommitChangesCache(size_t max_entries = 200000, size_t max_bytes = 128u << 20)
      : cache_(max_entries, max_bytes) {}

  CommitChanges find(const git_oid& commit) { return cache_.find(commit); }
  void insert(const git_oid& commit, CommitChanges changes);

  size_t size() const { return cache_.size(); }
  size_t bytes() const { return cache_.bytes(); }

 private:
  LruCache<git_oid, const CommitRecord, OidHash, OidEqual> cache_;
};

}  // namespace refguard::git
