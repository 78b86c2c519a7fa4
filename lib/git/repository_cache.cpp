#include "git/repository_cache.h"

namespace refguard::git {

Expected<std::shared_ptr<CachedRepository>> open_repository(const std::string& path) {
  ensure_libgit2_initialized();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return std::unexpected(libgit2_error("cannot open repository " + path));
  auto entry = std::make_shared<CachedRepository>();
  entry->repository.reset(raw);
  entry->path = git_repository_path(raw);
  if (!entry->path.empty() && entry->path.back() == '/') entry->path.pop_back();
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, raw) != 0) return std::unexpected(libgit2_error("cannot open objects of " + path));
  entry->odb.reset(odb);
  return entry;
}

Expected<std::shared_ptr<CachedRepository>> RepositoryCache::open(const std::string& git_dir) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = index_.find(git_dir); found != index_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second);
      ++hits_;
      return *found->second;
    }
    ++misses_;
  }
  auto opened = open_repository(git_dir);  // slow: outside the lock
  if (!opened) return opened;
  (*opened)->path = git_dir;  // the cache key, whatever spelling libgit2 reports
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(git_dir); found != index_.end()) return *found->second;  // another push won
  lru_.push_front(*opened);
  index_[git_dir] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back()->path);
    lru_.pop_back();
  }
  return opened;
}

size_t RepositoryCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}
size_t RepositoryCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}
size_t RepositoryCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace refguard::git
