#pragma once
// Reads what a push's walk left unread (PushContent::unread), a window of
// commits at a time: each commit's files (its tree diff against its parents)
// and, when its message is more than its summary, its whole message. The scan
// (engine/push_scan.cpp) reads a window, scans and judges it, then puts the
// spines back: a whole history's files and messages are never in memory at
// once, only one window's.
#include <string_view>

#include "git/commit_changes_cache.h"
#include "git/handles.h"
#include "git/push_content.h"
#include "git/view_pool.h"
#include "util/error.h"

namespace refguard::git {

/// A commit's message as it is scanned: at most kMaxScannedMessage bytes,
/// without trailing newlines. A view into the commit's own buffer.
std::string_view whole_message(git_commit* commit);

class UnreadChanges {
 public:
  /// `view` reads the push's objects; `missing_allowed`: see
  /// PushLimits::missing_blobs_allowed; `cache` (may be null) keeps each
  /// commit read, whole, for the next push; `parallel` lets a window's
  /// commits be read on several threads.
  UnreadChanges(git_repository* view, bool missing_allowed, CommitChangesCache* cache, const ParallelReading& parallel)
      : view_(view), missing_allowed_(missing_allowed), cache_(cache), parallel_(parallel) {}

  /// Reads the unread commits among content.commits[begin, end): their
  /// records there are whole (files_read) until put_back. Fails on a missing
  /// or corrupt object.
  Expected<void> read(PushContent& content, size_t begin, size_t end);

  /// The records of content.commits[begin, end) read by `read` go back to
  /// their spines; their files and messages are freed (unless cached).
  static void put_back(PushContent& content, size_t begin, size_t end);

 private:
  Expected<CommitChanges> read_one(git_repository* repository, git_odb* odb, const ObjectId& id,
                                   const UnreadCommit& unread) const;

  git_repository* view_;
  bool missing_allowed_;
  CommitChangesCache* cache_;
  ParallelReading parallel_;
};

}  // namespace refguard::git
