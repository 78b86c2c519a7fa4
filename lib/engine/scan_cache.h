#pragma once
// Findings per (compiled-policy digest, blob id, path): a blob scanned once
// under a policy is never scanned again, so rebases, cherry-picks, new
// branches of existing work and re-pushes after a rejection cost almost
// nothing. Entries hold masked secrets only. LRU, bounded by entry count and
// approximate bytes. Thread-safe. Optionally in front of a cache shared by a
// fleet of servers (engine/shared_scan_cache.h): lookups that miss here ask
// it, and what is scanned here is written through to it.
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"
#include "git/object_id.h"
#include "util/lru_cache.h"

namespace refguard::engine {

class SharedScanCache;

class ScanCache {
 public:
  using Findings = std::shared_ptr<const std::vector<BlobFinding>>;

  explicit ScanCache(size_t max_entries = 200000, size_t max_bytes = 256u << 20)
      : cache_(max_entries, max_bytes) {}

  static std::string key(std::string_view digest, const git::ObjectId& blob_id, std::string_view path);

  /// The shared tier behind this cache, or null (the default). Not owned: it
  /// must outlive every lookup and insert. Set before the cache is used.
  void set_shared(SharedScanCache* shared) { shared_ = shared; }

  /// This cache only.
  Findings find(const std::string& key);
  /// Every key: this cache first, then the shared tier for the misses, in
  /// batched round trips (whose hits are kept here). One answer per key, null
  /// when neither has it.
  std::vector<Findings> find_many(const std::vector<const std::string*>& keys);
  /// Here, and written through to the shared tier.
  void insert(const std::string& key, Findings findings);

  size_t size() const { return cache_.size(); }
  size_t bytes() const { return cache_.bytes(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

  /// Every entry, most recent first (for persisting).
  std::vector<std::pair<std::string, Findings>> snapshot() const { return cache_.snapshot(); }

 private:
  static size_t cost(const std::string& key, const std::vector<BlobFinding>& findings);

  LruCache<std::string, const std::vector<BlobFinding>> cache_;
  SharedScanCache* shared_ = nullptr;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace refguard::engine
