#pragma once
// The findings each commit introduced, keyed by (compiled-policy digest,
// commit id), after the line diffs that decide what is new: a commit judged
// once under a policy is not judged again, so re-pushing rejected work as a
// new branch costs little more than walking its commits. Only commits whose
// every file was scanned are kept (never a commit cut short by the time
// budget). Findings hold masked secrets only. LRU, bounded by entry count
// and approximate bytes; in memory only. Thread-safe.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "git/object_id.h"
#include "util/lru_cache.h"

namespace refguard::engine {

struct CommitFinding {
  std::string path;
  BlobFinding finding;
};
using CommitFindings = std::shared_ptr<const std::vector<CommitFinding>>;

class CommitFindingsCache {
 public:
  explicit CommitFindingsCache(size_t max_entries = 200000, size_t max_bytes = 64u << 20)
      : cache_(max_entries, max_bytes) {}

  static std::string key(std::string_view digest, const git::ObjectId& commit_id);

  CommitFindings find(const std::string& key) { return cache_.find(key); }
  void insert(const std::string& key, CommitFindings findings);
  size_t size() const { return cache_.size(); }
  size_t bytes() const { return cache_.bytes(); }

 private:
  LruCache<std::string, const std::vector<CommitFinding>> cache_;
};

}  // namespace refguard::engine
