#pragma once
// What a push brings that is new to the repository, as plain values: the new
// commits and, per commit, the files it changes relative to its parents. No
// file content: blobs are read later, only those the scan cache has not seen
// (git/object_reader.h), so a re-push of known content reads almost nothing.
// A commit's changes are shared with the commit-changes cache, never copied:
// a re-push of 20,000 known commits lists their files without one allocation.
#include <git2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace refguard::git {

/// One file a commit changed relative to every parent (a file that some
/// parent already has as it is, e.g. after a clean merge, is not listed).
struct FileChange {
  std::string path;
  git_oid blob;
  /// Per parent, the blob the new one is compared with (zero id when the file
  /// is new relative to that parent). Empty for a root commit. For a rename
  /// or copy, the blob at the old path.
  std::vector<git_oid> bases;
};

/// What refguard keeps of a commit: enough to walk past it and to judge it
/// again without reading it.
struct CommitRecord {
  std::string summary;  // first line of the message
  std::vector<git_oid> parents;
  std::vector<FileChange> files;
};
using CommitChanges = std::shared_ptr<const CommitRecord>;

struct CommitInfo {
  std::string id;         // full hex id
  std::string ref;        // the pushed ref that brought it first
  CommitChanges changes;  // never null

  const std::string& subject() const { return changes->summary; }
  const std::vector<FileChange>& files() const { return changes->files; }
};

/// An annotated tag the push creates or moves.
struct TagInfo {
  std::string ref;
  std::string id;
  std::string message;
};

struct PushContent {
  std::vector<bool> forced;  // per ref update: an existing ref moved to a commit not descending from it
  std::vector<CommitInfo> commits;  // oldest first
  std::vector<TagInfo> tags;
  size_t commits_from_cache = 0;  // commits whose changes came from the CommitChangesCache
};

}  // namespace refguard::git
