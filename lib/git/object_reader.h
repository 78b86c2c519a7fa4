#pragma once
// Reads what the scan needs from a push's objects, on demand: the content of
// the blobs the scan cache has not seen, and, for files with findings only,
// which of their lines are new relative to each parent. Computing line diffs
// for the few files with findings instead of every changed file is what keeps
// a large push's check cheaper than `git log -p` over the same history.
// Not thread-safe (libgit2 handles): used by the thread that holds the
// repository's lock.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "git/handles.h"
#include "git/push_content.h"
#include "util/error.h"

namespace refguard::git {

struct BlobData {
  std::string content;
  bool binary = false;  // git's binary detection
};

struct NewLines {
  std::vector<uint32_t> lines;  // sorted, 1-based, in the new blob
  bool binary = false;          // the new blob is binary: no lines, judged as a whole
};

class ObjectReader {
 public:
  /// `view` is borrowed. `max_bytes` bounds the blob content read in all.
  ObjectReader(git_repository* view, uint64_t max_bytes) : view_(view), max_bytes_(max_bytes) {}

  /// A blob's content; `path` names it in errors.
  Expected<BlobData> read_blob(const std::string& blob_id, const std::string& path);

  /// The lines of `file` that are new relative to every one of its bases: for
  /// a merge, only lines no parent has (a clean merge adds none).
  Expected<NewLines> new_lines(const ChangedFile& file);

  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Expected<BlobPtr> lookup(const std::string& blob_id, const std::string& path);
  Expected<std::vector<uint32_t>> added_lines(git_blob* base, git_blob* blob, const std::string& path);

  git_repository* view_;
  uint64_t max_bytes_;
  uint64_t bytes_read_ = 0;
  std::map<std::pair<std::string, std::string>, std::vector<uint32_t>> diffs_;  // (base, blob) -> added lines
};

/// Line numbers 1..n of every line in `content`, as git numbers them.
std::vector<uint32_t> every_line(std::string_view content);

}  // namespace refguard::git
