#pragma once
// Reads what the scan needs from a push's objects, on demand: the content of
// the blobs the scan cache has not seen, and, for files with findings only,
// which of their lines are new relative to each parent. Computing line diffs
// for the few files with findings instead of every changed file is what keeps
// a large push's check cheaper than `git log -p` over the same history.
// Not thread-safe (libgit2 handles): used by the thread that holds the
// repository's lock.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "git/handles.h"
#include "git/push_content.h"
#include "util/error.h"

namespace refguard::git {

/// A blob's bytes as libgit2 read them, not copied: `content` stays valid
/// while `blob` lives (moving a BlobData keeps it valid; any thread may free it).
struct BlobData {
  BlobPtr blob;
  std::string_view content;
  bool binary = false;  // a NUL among the first 8,000 bytes, as git tells (util/text.h looks_binary)
};

/// What one parent of a commit held of a file the commit changed.
struct ParentLines {
  std::vector<uint32_t> added;  // sorted, 1-based: lines new relative to this parent (following a move or copy)
  bool changed = true;          // the blob differs from what it is compared with (binary files have no lines)
  std::string moved_from;       // the path this parent held the content at, when it moved or was copied here
};

struct NewLines {
  std::vector<uint32_t> lines;       // sorted, 1-based, in the new blob: new relative to every parent
  bool binary = false;               // the new blob is binary: no lines, judged as a whole
  uint32_t line_count = 0;           // lines in the new blob
  std::vector<ParentLines> parents;  // per parent; empty for a root commit

  /// Whether `line` (0: the file as a whole) is new, for a check (a rule)
  /// that looked or did not look at content at a path (`looked_at`). Content
  /// that came from a path it did not look at, such as one its allowlist
  /// exempts, is new to it: it never judged it there (issue 15, item 6).
  /// With nothing moved this is `lines` (or, for a binary file, "changed").
  bool is_new(uint32_t line, const std::function<bool(const std::string& path)>& looked_at) const;
};

class ObjectReader {
 public:
  /// `view` is borrowed. `max_bytes` bounds the blob content read in all.
  ObjectReader(git_repository* view, uint64_t max_bytes) : view_(view), max_bytes_(max_bytes) {}

  /// A blob's content; `path` names it in errors.
  Expected<BlobData> read_blob(const ObjectId& blob_id, const std::string& path);

  /// The lines of `file` (changed by commit `commit_id`) that are new
  /// relative to every one of its bases: for a merge, only lines no parent
  /// has (a clean merge adds none). A file new relative to a parent is first
  /// matched against that parent's files by git's rename and copy detection
  /// (libgit2's, by similarity): a renamed and edited file brings only its
  /// edits; an exact copy of a file the commit did not touch brings none.
  /// Each parent's part says where the content came from, for is_new(). That
  /// detection costs a full diff, so it runs only here, for files with
  /// findings.
  Expected<NewLines> new_lines(const FileChange& file, const ObjectId& commit_id);

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t max_bytes() const { return max_bytes_; }
  /// Refuses content whose blobs (each counted once, from object headers,
  /// nothing inflated) pass max_bytes(): whether or not they will be read, so
  /// a verdict's basis does not depend on what an earlier push left cached.
  /// Keeps the sizes it read, so no header is read twice. Called once per
  /// window of a push's commits: the limit holds for the sum of all calls.
  Expected<void> admit_new_content(const std::vector<std::pair<ObjectId, std::string_view>>& blobs);
  /// A blob's size as admit_new_content read it from its header, if it did.
  /// Safe from several threads once admission is done.
  std::optional<uint64_t> known_size(const ObjectId& blob_id) const;

 private:
  struct Source {
    ObjectId blob;  // zero: none
    std::string path;
  };
  Expected<std::vector<uint32_t>> added_lines(git_blob* base, git_blob* blob, const std::string& path);
  /// The blob and path that `path`, new in `commit_id` relative to parent
  /// `parent`, was renamed or copied from (by similarity), or a zero id when
  /// it is really new.
  Expected<Source> moved_from(const ObjectId& commit_id, size_t parent, const std::string& path);
  Expected<std::map<std::string, Source>> find_moves(const ObjectId& commit_id, size_t parent);
  /// A path at which the tree of that parent of `commit_id` holds `blob`, or "".
  Expected<std::string> path_in_parent_tree(const ObjectId& commit_id, size_t parent, const ObjectId& blob);
  /// What `file` brings relative to one parent.
  Expected<ParentLines> lines_from_parent(const FileChange& file, const ObjectId& commit_id, size_t parent,
                                          git_blob* blob, std::string_view content);
  struct Trees {
    TreePtr before;  // the parent's
    TreePtr after;   // the commit's
  };
  Expected<Trees> trees_of(const ObjectId& commit_id, size_t parent);

  git_repository* view_;
  uint64_t max_bytes_;
  uint64_t bytes_read_ = 0;
  uint64_t admitted_bytes_ = 0;  // every distinct blob admit_new_content was given
  std::map<std::pair<ObjectId, ObjectId>, std::vector<uint32_t>> diffs_;  // (base, blob) -> added lines
  std::map<std::pair<ObjectId, size_t>, std::map<std::string, Source>> moves_;  // (commit, parent) -> path -> source
  std::map<std::pair<ObjectId, size_t>, OidSet> parent_blobs_;  // (commit, parent) -> every blob in its tree
  OidMap<uint64_t> sizes_;  // blob -> size, from its header (admit_new_content)
};

/// The largest file refguard reads into memory to scan (GitHub refuses
/// files over 100 MiB too; larger ones belong in Git LFS). A larger blob is
/// refused from its object header, before a byte of it is inflated: a
/// 1.1 GB blob read whole cost the daemon 1.1 GB before the push limit
/// could reject it (issue 15, item 12). With it, blob content in memory at
/// once is at most two copies of one file per scan thread while it is read,
/// plus 64 MiB queued per push in flight.
inline constexpr uint64_t kMaxFileBytes = 100ull << 20;

/// A blob's size from its object header (no content is read).
Expected<uint64_t> blob_size(git_repository* repository, const ObjectId& oid, std::string_view path);

/// A blob's content through any handle, at most kMaxFileBytes; `path` names it
/// in errors. `known_size`: its header's size, when read before (no second read).
Expected<BlobData> read_blob_from(git_repository* repository, const ObjectId& blob_id, const std::string& path,
                                  std::optional<uint64_t> known_size = std::nullopt);

/// The error for a push whose new content passes `max_bytes`.
Error too_much_content(uint64_t max_bytes);

/// Line numbers 1..n of every line in `content`, as git numbers them.
std::vector<uint32_t> every_line(std::string_view content);
/// n: how many lines git counts in `content`.
uint32_t count_lines(std::string_view content);

}  // namespace refguard::git
