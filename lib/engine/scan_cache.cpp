#include "engine/scan_cache.h"

namespace refguard::engine {

std::string ScanCache::key(std::string_view digest, std::string_view blob_id, std::string_view path) {
  std::string out;
  out.reserve(digest.size() + blob_id.size() + path.size() + 2);
  out.append(digest).push_back(':');
  out.append(blob_id).push_back(':');
  out.append(path);
  return out;
}

size_t ScanCache::cost(const std::string& key, const std::vector<BlobFinding>& findings) {
  size_t bytes = 96 + key.size();
  for (const auto& f : findings) bytes += sizeof(BlobFinding) + f.masked.size() + f.detail.size() + f.where.size();
  return bytes;
}

ScanCache::Findings ScanCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->findings;
}

void ScanCache::insert(const std::string& key, Findings findings) {
  size_t bytes = cost(key, *findings);
  std::lock_guard lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) {
    bytes_ -= found->second->bytes;
    lru_.erase(found->second);
    index_.erase(found);
  }
  lru_.push_front(Entry{key, std::move(findings), bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  evict_locked();
}

void ScanCache::evict_locked() {
  while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t ScanCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

size_t ScanCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::vector<std::pair<std::string, ScanCache::Findings>> ScanCache::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, Findings>> out;
  out.reserve(lru_.size());
  for (const auto& entry : lru_) out.emplace_back(entry.key, entry.findings);
  return out;
}

}  // namespace refguard::engine
