#include "engine/scan_cache.h"

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
  for (const auto& f : findings) bytes += sizeof(BlobFinding) + f.masked.size() + f.detail.size() + f.where.size();
  return bytes;
}

ScanCache::Findings ScanCache::find(const std::string& key) {
  Findings found = cache_.find(key);
  ++(found ? hits_ : misses_);
  return found;
}

void ScanCache::insert(const std::string& key, Findings findings) {
  if (!findings) return;
  size_t bytes = cost(key, *findings);
  cache_.insert(key, std::move(findings), bytes);
}

}  // namespace refguard::engine
