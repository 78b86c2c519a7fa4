#include "engine/scan_cache.h"

#include "engine/shared_scan_cache.h"
#include "engine/tiered_lookup.h"

namespace refguard::engine {

std::string ScanCache::key(std::string_view digest, const git::ObjectId& blob_id, std::string_view path) {
  std::string out;
  out.reserve(digest.size() + GIT_OID_HEXSZ + path.size() + 2);
  out.append(digest).push_back(':');
  out.append(blob_id.hex()).push_back(':');
  out.append(path);
  return out;
}

size_t ScanCache::cost(const std::string& key, const std::vector<BlobFinding>& findings) {
  size_t bytes = 96 + key.size();
  for (const auto& f : findings)
    bytes += sizeof(BlobFinding) + f.masked.size() + f.detail.size() + f.where.size() + f.allow_names.size();
  return bytes;
}

ScanCache::Findings ScanCache::find(const std::string& key) {
  Findings found = cache_.find(key);
  ++(found ? hits_ : misses_);
  return found;
}

std::vector<ScanCache::Findings> ScanCache::find_many(const std::vector<const std::string*>& keys) {
  size_t local_hits = 0;
  auto found = find_in_tiers(
      cache_, keys, shared_ != nullptr, [&](const auto& missed) { return shared_->find_many(missed); },
      [](const std::string& key, const std::vector<BlobFinding>& findings) { return cost(key, findings); },
      &local_hits);
  hits_ += local_hits;
  misses_ += keys.size() - local_hits;
  return found;
}

void ScanCache::insert(const std::string& key, Findings findings) {
  if (!findings) return;
  if (shared_) shared_->insert(key, *findings);
  size_t bytes = cost(key, *findings);
  cache_.insert(key, std::move(findings), bytes);
}

}  // namespace refguard::engine
