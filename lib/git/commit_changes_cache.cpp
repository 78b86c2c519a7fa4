#include "git/commit_changes_cache.h"

namespace refguard::git {

void CommitChangesCache::insert(const git_oid& commit, CommitChanges changes) {
  if (!changes) return;
  const CommitRecord& record = *changes;
  size_t bytes = sizeof(CommitRecord) + 64 + record.summary.capacity() + record.message.capacity() +  // + index slot, roughly
                 record.parents.capacity() * sizeof(git_oid);
  for (const auto& change : record.files) {
    bytes += sizeof(FileChange) + change.path.capacity() + change.bases.capacity() * sizeof(git_oid);
    for (const auto& from : change.moved_from) bytes += sizeof(std::string) + from.capacity();
  }
  cache_.insert(commit, std::move(changes), bytes);
}

}  // namespace refguard::git
