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
  if (auto found = cache_.find(git_dir)) {
    ++hits_;
    return found;
  }
  ++misses_;
  auto opened = open_repository(git_dir);  // slow: outside the cache's lock
  if (!opened) return opened;
  (*opened)->path = git_dir;  // the cache key, whatever spelling libgit2 reports
  return cache_.insert(git_dir, std::move(*opened), 1);  // another push may have won: use its entry
}

}  // namespace refguard::git
