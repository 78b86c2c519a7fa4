#include "engine/commit_findings_cache.h"

#include "engine/shared_scan_cache.h"
#include "engine/tiered_lookup.h"

namespace refguard::engine {

std::string CommitFindingsCache::key(std::string_view digest, const git::ObjectId& commit_id) {
  std::string out;
  out.reserve(digest.size() + GIT_OID_HEXSZ + 1);
  out.append(digest).push_back(':');
  out.append(commit_id.hex());
  return out;
}

size_t CommitFindingsCache::cost(const std::string& key, const CommitJudgement& judgement) {
  size_t bytes = 2 * key.size() + 128;  // key, entry and index slot, roughly
  for (const auto& f : judgement.findings)
    bytes += sizeof(CommitFinding) + f.path.size() + f.finding.masked.size() + f.finding.detail.size() +
             f.finding.where.size() + f.finding.allow_names.size();
  return bytes;
}

std::vector<CommitFindings> CommitFindingsCache::find_many(const std::vector<const std::string*>& keys) {
  return find_in_tiers(
      cache_, keys, shared_ != nullptr, [&](const auto& missed) { return shared_->find_many_commits(missed); },
      [](const std::string& key, const CommitJudgement& judgement) { return cost(key, judgement); });
}

void CommitFindingsCache::insert(const std::string& key, CommitFindings findings) {
  if (!findings) return;
  if (shared_) shared_->insert_commit(key, *findings);
  size_t bytes = cost(key, *findings);
  cache_.insert(key, std::move(findings), bytes);
}

}  // namespace refguard::engine
