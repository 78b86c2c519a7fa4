#pragma once
// What a push brings that is new to the repository, as plain values: the new
// commits and, per commit, the files it changes relative to its parents. No
// file content: blobs are read later, only those the scan cache has not seen
// (git/object_reader.h), so a re-push of known content reads almost nothing.
// A commit's changes are shared with the commit-changes cache, never copied:
// a re-push of 20,000 known commits lists their files without one allocation.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "git/object_id.h"

namespace refguard::git {

/// One file a commit changed relative to every parent (a file that some
/// parent already has as it is, e.g. after a clean merge, is not listed).
/// A changed file whose blob is not in the repository (offline scans of a
/// partial clone, PushLimits::missing_blobs_allowed): listed, not scanned.
struct MissingBlob {
  std::string commit;  // hex
  std::string path;
  std::string blob;    // hex
};

struct FileChange {
  std::string path;
  ObjectId blob;
  /// Per parent, the blob the new one is compared with (zero id when the file
  /// is new relative to that parent). Empty for a root commit. For a rename
  /// or copy, the blob at the old path: for content that only moved (exact),
  /// `blob` itself.
  std::vector<ObjectId> bases;
  /// Content that only moved: per parent, a path where that parent held this
  /// very blob (which changed or went away there), "" for a parent it did not
  /// move from. Empty when it moved from none. Whether moved content is new
  /// depends on what looked at it there (engine/push_scan.cpp).
  std::vector<std::string> moved_from;
  /// The blob is not in the repository (a partial clone's history, read by an
  /// offline scan that allows it: PushLimits::missing_blobs_allowed).
  bool missing = false;
};

/// A commit or tag message longer than this is scanned up to here (a key
/// sits near the top; a megabyte of message is no commit anyone reads).
inline constexpr size_t kMaxScannedMessage = 1 << 20;

/// A summary (a message's first paragraph, on one line) is kept up to here
/// for the whole walk and shown in reports; a longer one is cut (at a
/// character's start) and its message read whole with the commit's files.
/// Without the cut, 200,000 pushed commits whose one-line messages are a
/// megabyte each (a few hundred bytes each once compressed) would be held
/// whole at once.
inline constexpr size_t kMaxSummary = 1024;

/// What refguard keeps of a commit: enough to walk past it and to judge it
/// again without reading it.
///
/// A push's walk keeps only a commit's spine (summary, parents, tree): its
/// files, and its whole message when that is longer than its summary, are
/// read a window of commits at a time while the push is scanned
/// (git/unread_changes.h), so a whole history's files and messages are never
/// in memory at once.
struct CommitRecord {
  std::string summary;  // first line of the message
  /// The whole message (scanned like a file), at most kMaxScannedMessage
  /// bytes, without trailing newlines; empty when it is only its summary.
  std::string message;
  const std::string& scanned_message() const { return message.empty() ? summary : message; }
  std::vector<ObjectId> parents;
  ObjectId tree;  // its root tree (zero when not read: a commit judged before)
  std::vector<FileChange> files;
  /// False for a commit judged before under the policy in force, whose trees
  /// were therefore not diffed, and for a spine whose files are not read yet
  /// (PushContent::unread): `files` is empty and says nothing. Such a record
  /// is never cached.
  bool files_read = true;
};
using CommitChanges = std::shared_ptr<const CommitRecord>;

/// A new commit whose files the walk left unread (neither cached nor judged
/// before): PushContent::commits[index] holds its spine until a window reads
/// it (git/unread_changes.h) and again once the window is done.
struct UnreadCommit {
  size_t index;
  /// Its first parent's tree when the walk read that parent (zero: the
  /// parent commit is read for it, as are other parents'), so that reading
  /// its files reads neither commit again. Only the first: kept for every
  /// commit of a history, a list per commit would cost more than the merges'
  /// extra parent reads save.
  ObjectId first_parent_tree;
  bool has_body = false;  // its message is more than its summary: read with its files
  CommitChanges spine;
};

/// What the walk and the report need of a commit judged before under the
/// policy in force, kept with its judgement (engine/finding.h): the commit
/// object itself is then not even read. A commit id names its parents and
/// message, so this is a pure function of the id, like the judgement.
struct JudgedCommit {
  std::vector<ObjectId> parents;
  std::string summary;
};

struct CommitInfo {
  ObjectId id;
  std::string ref;        // the pushed ref that brought it first
  CommitChanges changes;  // never null

  const std::string& subject() const { return changes->summary; }
  const std::vector<FileChange>& files() const { return changes->files; }
};

/// An annotated tag the push creates or moves.
struct TagInfo {
  std::string ref;
  ObjectId id;
  std::string message;
};

/// One ref a push changes, as git's pre-receive hook is told (a zero id on
/// the old side creates the ref, on the new side deletes it).
struct RefUpdate {
  ObjectId old_id;
  ObjectId new_id;
  std::string ref;
  bool forced = false;  // an existing ref moved to a commit not descending from it (set by the push reader)

  bool is_create() const { return old_id.is_zero(); }
  bool is_delete() const { return new_id.is_zero(); }
};

struct PushContent {
  std::vector<RefUpdate> updates;   // as pushed, with `forced` filled in
  std::vector<CommitInfo> commits;  // oldest first
  std::vector<TagInfo> tags;
  std::vector<UnreadCommit> unread;  // by ascending index
  size_t commits_from_cache = 0;  // commits whose changes came from the CommitChangesCache
};

}  // namespace refguard::git
