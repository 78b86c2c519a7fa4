#pragma once
// The findings each commit introduced, keyed by (compiled-policy digest,
// commit id), after the line diffs that decide what is new: a commit judged
// once under a policy is not judged again, so re-pushing rejected work as a
// new branch costs little more than walking its commits. Only commits whose
// every file was scanned are kept (never a commit cut short by the time
// budget). Findings hold masked secrets only. LRU, bounded by entry count
// and approximate bytes; in memory only. Thread-safe.
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/finding.h"

namespace refguard::engine {

struct CommitFinding {
  std::string path;
  BlobFinding finding;
};
using CommitFindings = std::shared_ptr<const std::vector<CommitFinding>>;

class CommitFindingsCache {
 public:
  explicit CommitFindingsCache(size_t max_entries = 200000, size_t max_bytes = 64u << 20)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  static std::string key(std::string_view digest, std::string_view commit_id);

  CommitFindings find(const std::string& key);
  void insert(const std::string& key, CommitFindings findings);
  size_t size() const;

 private:
  struct Entry {
    std::string key;
    CommitFindings findings;
    size_t bytes;
  };

  size_t max_entries_;
  size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace refguard::engine
