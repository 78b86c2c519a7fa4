#pragma once
// Repositories stay open across pushes: opening one and reading its pack
// indexes costs more than a small push's whole check. The cache is bounded
// by count (least recently used goes first); an entry handed out stays alive
// while a push uses it, even if evicted meanwhile. Thread-safe.
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "git/handles.h"
#include "util/error.h"
#include "util/lru_cache.h"

namespace refguard::git {

struct CachedRepository {
  std::string path;  // canonical git dir
  RepositoryPtr repository;
  OdbPtr odb;
  /// libgit2 handles are not thread-safe: one push at a time reads through them.
  std::mutex mutex;
};

class RepositoryCache {
 public:
  /// Initializes libgit2 now (it loads TLS certificates, a few ms), not in
  /// the first push's check.
  explicit RepositoryCache(size_t capacity) : cache_(capacity == 0 ? 1 : capacity, kUnbounded) {
    ensure_libgit2_initialized();
  }

  /// Opens (or returns the open) repository at the canonical `git_dir`.
  Expected<std::shared_ptr<CachedRepository>> open(const std::string& git_dir);

  size_t size() const { return cache_.size(); }
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  static constexpr size_t kUnbounded = ~size_t{0};  // bounded by count only: each entry costs 1
  LruCache<std::string, CachedRepository> cache_;
  std::atomic<size_t> hits_{0};
  std::atomic<size_t> misses_{0};
};

/// Opens a bare or non-bare repository without the cache (CLI use).
Expected<std::shared_ptr<CachedRepository>> open_repository(const std::string& path);

}  // namespace refguard::git
