#pragma once
// Repositories stay open across pushes: opening one and reading its pack
// indexes costs more than a small push's whole check. The cache is bounded
// by count (least recently used goes first); an entry handed out stays alive
// while a push uses it, even if evicted meanwhile. Thread-safe.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "git/handles.h"
#include "util/error.h"

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
  explicit RepositoryCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Opens (or returns the open) repository at the canonical `git_dir`.
  Expected<std::shared_ptr<CachedRepository>> open(const std::string& git_dir);

  size_t size() const;
  size_t hits() const;
  size_t misses() const;

 private:
  using Lru = std::list<std::shared_ptr<CachedRepository>>;
  mutable std::mutex mutex_;
  size_t capacity_;
  Lru lru_;  // front = most recent
  std::unordered_map<std::string, Lru::iterator> index_;
  size_t hits_ = 0;
  size_t misses_ = 0;
};

/// Opens a bare or non-bare repository without the cache (CLI use).
Expected<std::shared_ptr<CachedRepository>> open_repository(const std::string& path);

}  // namespace refguard::git
