#include "git/commit_changes_cache.h"

#include <cstring>

namespace refguard::git {

size_t CommitChangesCache::KeyHash::operator()(const Key& key) const noexcept { return OidHash{}(key.oid); }

size_t CommitChangesCache::cost(const CommitRecord& record) {
  size_t bytes = sizeof(Entry) + sizeof(CommitRecord) + 64 + record.summary.capacity() +
                 record.parents.capacity() * sizeof(git_oid);  // + list node and index slot, roughly
  for (const auto& change : record.files)
    bytes += sizeof(FileChange) + change.path.capacity() + change.bases.capacity() * sizeof(git_oid);
  return bytes;
}

CommitChanges CommitChangesCache::find(const git_oid& commit) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(Key{commit});
  if (found == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->changes;
}

void CommitChangesCache::insert(const git_oid& commit, CommitChanges changes) {
  if (!changes) return;
  size_t bytes = cost(*changes);
  if (bytes > max_bytes_ || max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  Key key{commit};
  if (auto found = index_.find(key); found != index_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second);
    return;  // the same commit always has the same changes
  }
  lru_.push_front(Entry{key, std::move(changes), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t CommitChangesCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

size_t CommitChangesCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace refguard::git
