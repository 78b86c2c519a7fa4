#pragma once
// What each commit changes, keyed by commit id. A commit id fixes its tree
// and its parents, so the answer never goes stale; caching it means a commit
// diffed once is never diffed again: a re-push after a rejection, a rebase
// onto known commits or a new branch of pushed work skips the tree diffs,
// which are most of the cost of reading a large push. LRU, bounded by entry
// count and approximate bytes; in memory only (rebuilt by the next push of
// the same commits). Thread-safe.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "git/handles.h"

namespace refguard::git {

/// One changed file of a commit, without the commit index (see ChangedFile).
struct FileChange {
  std::string path;
  git_oid blob;
  std::vector<git_oid> bases;  // per parent; zero id = new relative to that parent
};
/// What refguard keeps of a commit: enough to walk past it and to judge it
/// again without reading it.
struct CommitRecord {
  std::string summary;
  std::vector<git_oid> parents;
  std::vector<FileChange> files;
};
using CommitChanges = std::shared_ptr<const CommitRecord>;

class CommitChangesCache {
 public:
  explicit CommitChangesCache(size_t max_entries = 200000, size_t max_bytes = 128u << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  CommitChanges find(const git_oid& commit);
  void insert(const git_oid& commit, CommitChanges changes);

  size_t size() const;
  size_t bytes() const;

 private:
  struct Key {
    git_oid oid;
    bool operator==(const Key& other) const noexcept { return OidEqual{}(oid, other.oid); }
  };
  struct KeyHash {
    size_t operator()(const Key& key) const noexcept;
  };
  struct Entry {
    Key key;
    CommitChanges changes;
    size_t bytes;
  };
  static size_t cost(const CommitRecord& record);

  size_t max_entries_;
  size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  size_t bytes_ = 0;
};

}  // namespace refguard::git
