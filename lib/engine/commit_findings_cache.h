#pragma once
// What each commit introduced (engine/finding.h: CommitJudgement), keyed by
// (compiled-policy digest, commit id), after the line diffs that decide what
// is new: a commit judged once under a policy is not judged again, so
// re-pushing rejected work as a new branch costs little more than walking its
// commits, and such a commit's trees are not even diffed (git/push_reader.h).
// A commit id names its trees, its parents and so its diff, so the entry is a
// pure function of the key. Only commits whose every file was scanned are
// kept (never a commit cut short by the time budget or missing a blob).
// Findings hold masked secrets only. LRU, bounded by entry count and
// approximate bytes. Thread-safe. Optionally in front of the fleet's shared
// cache (engine/shared_scan_cache.h), as the scan cache is: a fork or mirror
// of a history another server judged is judged from its commits' entries.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "git/object_id.h"
#include "util/lru_cache.h"

namespace refguard::engine {

using CommitFindings = std::shared_ptr<const CommitJudgement>;

class SharedScanCache;

class CommitFindingsCache {
 public:
  explicit CommitFindingsCache(size_t max_entries = 200000, size_t max_bytes = 64u << 20)
      : cache_(max_entries, max_bytes) {}

  static std::string key(std::string_view digest, const git::ObjectId& commit_id);

  /// The shared tier behind this cache, or null (the default). Not owned: it
  /// must outlive every lookup and insert. Set before the cache is used.
  void set_shared(SharedScanCache* shared) { shared_ = shared; }

  /// This cache only.
  CommitFindings find(const std::string& key) { return cache_.find(key); }
  /// Every key: this cache first, then the shared tier for the misses, in
  /// batched round trips (whose hits are kept here). One answer per key,
  /// null when neither has it.
  std::vector<CommitFindings> find_many(const std::vector<const std::string*>& keys);
  /// Here, and written through to the shared tier.
  void insert(const std::string& key, CommitFindings findings);

  size_t size() const { return cache_.size(); }
  size_t bytes() const { return cache_.bytes(); }

 private:
  static size_t cost(const std::string& key, const CommitJudgement& judgement);

  LruCache<std::string, const CommitJudgement> cache_;
  SharedScanCache* shared_ = nullptr;
};

}  // namespace refguard::engine
