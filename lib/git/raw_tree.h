#pragma once
// A tree object walked in the bytes git stores ("<octal mode> <name>\0<20-byte
// id>" per entry, sorted), as git's own tree walker does: no entry array, no
// copy of a name, no parsed-object cache entry. A whole-history diff reads
// every changed tree of every commit; libgit2's git_tree_lookup parsed each
// into an allocated entry array and cached it, which cost a history walk
// about half as much again as `git log --raw` (bench/README.md).
//
// Trees are pushed content: every entry is checked as it is read (an octal
// mode that fits 16 bits, a name that ends within the object, a whole id
// after it), and a name git's fsck calls an error (empty, ".", "..", or
// holding a '/') makes the tree corrupt, because such a name would put its
// file at a path it does not have (a rule's allowlist sees "fixtures/key"
// where a checkout has nothing).
#include <cstdint>
#include <string>
#include <string_view>

#include "git/handles.h"

namespace refguard::git {

struct RawTreeEntry {
  uint32_t mode = 0;  // as stored: 100644, 100755 (also 100664 from old gits), 40000, 120000, 160000
  std::string_view name;
  git_oid id{};

  bool is_tree() const { return (mode & 0170000) == 0040000; }
  /// A file to scan. As libgit2 reads modes (git_tree_entry_filemode), not
  /// as git's checkout does: a mode with an execute bit, or of no known type
  /// ("644", "0"), is a file, so a hostile mode cannot hide a blob from the
  /// rules; only trees, symlinks (120000) and gitlinks (160000) are not.
  bool is_file() const {
    uint32_t type = mode & 0170000;
    if (type == 0040000) return false;
    if (mode & 0111) return true;
    return type != 0160000 && type != 0120000;
  }
};

/// git's tree order: names compared bytewise, a tree's as if it ended in '/'.
int compare_tree_entries(const RawTreeEntry& a, const RawTreeEntry& b);

/// The entries of one tree's bytes, in order.
class TreeCursor {
 public:
  explicit TreeCursor(std::string_view data = {}) : rest_(data) { advance(); }

  bool done() const { return done_; }
  /// Set when the cursor stopped on bytes that are not a tree entry.
  const std::string& error() const { return error_; }
  const RawTreeEntry& entry() const { return entry_; }
  void advance();

 private:
  void stop_malformed(std::string why);

  std::string_view rest_;
  RawTreeEntry entry_;
  bool done_ = false;
  std::string error_;
};

/// A tree's object read through `odb` (its raw bytes, shared with the odb's
/// cache); `path` names it in errors. Not a tree, or missing: an error.
class RawTree {
 public:
  static Expected<RawTree> read(git_odb* odb, const git_oid& id, std::string_view path);
  RawTree() = default;

  TreeCursor entries() const { return TreeCursor(data_); }

 private:
  explicit RawTree(OdbObjectPtr object);

  OdbObjectPtr object_;
  std::string_view data_;
};

}  // namespace refguard::git
