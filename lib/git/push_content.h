#pragma once
// What a push brings that is new to the repository, read out of libgit2 into
// plain values so detectors can run on any thread without touching libgit2.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace refguard::git {

struct CommitInfo {
  std::string id;       // full hex id
  std::string subject;  // first line of the message
  std::string ref;      // the pushed ref that brought it first
};

/// One file a commit changed, with the lines new relative to every parent.
struct ChangedFile {
  size_t commit = 0;            // index into PushContent::commits
  std::string path;
  std::string blob_id;
  std::string old_blob_id;      // first parent's version ("" when the file is new)
  std::vector<uint32_t> added_lines;  // sorted 1-based line numbers in the new blob
  bool binary = false;
};

struct BlobData {
  std::string content;
  bool binary = false;
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
  std::unordered_map<std::string, BlobData> blobs;  // every blob a ChangedFile names
  uint64_t blob_bytes = 0;
};

}  // namespace refguard::git
