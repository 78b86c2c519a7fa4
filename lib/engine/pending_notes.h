#pragma once
// Findings waiting to become git notes. pre-receive cannot write notes (the
// commits are still in the quarantine and may never land); it remembers the
// findings under (repository, ref, new tip). post-receive, run by git only
// for refs that were updated, turns the matching entries into notes on
// commits that now exist in the repository. Entries expire. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/finding.h"
#include "git/repository_cache.h"
#include "git/push_content.h"

namespace refguard::engine {

class PendingNotes {
 public:
  /// Keeps the warn (and bypassed) findings of an accepted push.
  void remember(const std::string& git_dir, const std::string& notes_ref, const std::vector<git::RefUpdate>& updates,
                const std::vector<Finding>& findings);

  struct Written {
    size_t notes = 0;
    std::vector<std::string> problems;
  };
  /// Writes the notes for the updates of a post-receive request.
  Written write_landed(git::CachedRepository& repository, const std::vector<git::RefUpdate>& updates);

  /// Drops the entries of a post-receive request without writing them (notes
  /// this daemon must not write); returns how many there were.
  size_t discard(const std::string& git_dir, const std::vector<git::RefUpdate>& updates);

  size_t size() const;

 private:
  struct Entry {
    std::string notes_ref;
    std::map<git::ObjectId, std::vector<std::string>> lines_by_commit;
    std::chrono::steady_clock::time_point created;
  };
  std::vector<Entry> take(const std::string& git_dir, const std::vector<git::RefUpdate>& updates);
  static std::string key(const std::string& git_dir, const std::string& ref, const git::ObjectId& tip);
  void expire_locked();
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

/// The note line for one finding.
std::string note_line(const Finding& finding);

}  // namespace refguard::engine
