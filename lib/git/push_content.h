#pragma once
// What a push brings that is new to the repository, as plain values: the new
// commits and, per commit, the files it changes relative to its parents. No
// file content: blobs are read later, only those the scan cache has not seen
// (git/object_reader.h), so a re-push of known content reads almost nothing.
#include <cstdint>
#include <string>
#include <vector>

namespace refguard::git {

struct CommitInfo {
  std::string id;       // full hex id
  std::string subject;  // first line of the message
  std::string ref;      // the pushed ref that brought it first
};

/// One file a commit changed relative to every parent (a file that some
/// parent already has as it is, e.g. after a clean merge, is not listed).
struct ChangedFile {
  size_t commit = 0;  // index into PushContent::commits
  std::string path;
  std::string blob_id;
  /// Per parent, the blob the new one is compared with ("" when the file is
  /// new relative to that parent). Empty for a root commit. For a rename or
  /// copy, the blob at the old path.
  std::vector<std::string> base_blob_ids;
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
  std::vector<ChangedFile> files;
  std::vector<TagInfo> tags;
  size_t commits_from_cache = 0;  // commits whose changes came from the CommitChangesCache
};

}  // namespace refguard::git
