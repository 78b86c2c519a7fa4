#include "engine/commit_findings_cache.h"

namespace refguard::engine {

std::string CommitFindingsCache::key(std::string_view digest, const git::ObjectId& commit_id) {
  std::string out;
  out.reserve(digest.size() + GIT_OID_HEXSZ + 1);
  out.append(digest).push_back(':');
  out.append(commit_id.hex());
  return out;
}

void CommitFindingsCache::insert(const std::string& key, CommitFindings findings) {
  if (!findings) return;
  size_t bytes = 2 * key.size() + 128;  // key, entry and index slot, roughly
  for (const auto& f : *findings)
    bytes += sizeof(CommitFinding) + f.path.size() + f.finding.masked.size() + f.finding.detail.size() +
             f.finding.where.size();
  cache_.insert(key, std::move(findings), bytes);
}

}  // namespace refguard::engine
