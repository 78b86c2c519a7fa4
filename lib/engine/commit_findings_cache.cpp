#include "engine/commit_findings_cache.h"

namespace refguard::engine {

std::string CommitFindingsCache::key(std::string_view digest, std::string_view commit_id) {
  std::string out;
  out.reserve(digest.size() + commit_id.size() + 1);
  out.append(digest).push_back(':');
  out.append(commit_id);
  return out;
}

CommitFindings CommitFindingsCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->findings;
}

void CommitFindingsCache::insert(const std::string& key, CommitFindings findings) {
  if (!findings || max_entries_ == 0) return;
  size_t bytes = 2 * key.size() + 128;  // entry, list node, index slot, roughly
  for (const auto& f : *findings)
    bytes += sizeof(CommitFinding) + f.path.size() + f.finding.masked.size() + f.finding.detail.size() +
             f.finding.where.size();
  if (bytes > max_bytes_) return;
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second);
    return;  // a commit judged under one policy is always judged the same
  }
  lru_.push_front(Entry{key, std::move(findings), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t CommitFindingsCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace refguard::engine
