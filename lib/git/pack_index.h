#pragma once
// A pack's index (git's .idx, version 2) read as bytes: how many objects,
// each object's id and offset in the pack, and where an id is. Built from
// untrusted bytes: parse() refuses anything that is not a well-formed v2
// index, and every accessor stays inside the bytes.
#include <git2/oid.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "git/object_id.h"

namespace refguard::git {

class PackIndex {
 public:
  /// The index in `bytes`, or nullopt when it is not a v2 index git wrote.
  static std::optional<PackIndex> parse(std::string bytes);
  /// The index file at `path` (read, never mapped), bounded in size.
  static std::optional<PackIndex> read(const std::string& path);

  uint32_t count() const { return count_; }
  /// The id of entry `i` (< count()), 20 bytes inside the index.
  const unsigned char* id(uint32_t i) const;
  /// Entry `i`'s offset in the pack; nullopt when the index points outside itself.
  std::optional<uint64_t> offset(uint32_t i) const;
  /// The entry holding `id`, if any.
  std::optional<uint32_t> find(const git_oid& id) const;

 private:
  explicit PackIndex(std::string bytes) : bytes_(std::move(bytes)) {}
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(bytes_.data()); }
  std::string bytes_;
  uint32_t count_ = 0;
  uint64_t large_count_ = 0;  // entries of the 64-bit offset table
};

/// Where each of `ids` sits in the pack of the index file at `index_path`:
/// per id its offset, or nullopt when the index does not hold it (or is not
/// a well-formed v2 index: every entry nullopt). The index is read in runs
/// of `entries_per_read` ids and offsets, never whole: a history's index
/// grows with the repository (28 bytes per object), and a scan asks this
/// once per window.
std::vector<std::optional<uint64_t>> offsets_in_index(const std::string& index_path, const std::vector<ObjectId>& ids,
                                                      uint32_t entries_per_read = 32768);

/// The pack indexes (.idx files) in `pack_dir`, by name; none when it cannot be listed.
std::vector<std::string> pack_index_paths(const std::string& pack_dir);

/// The order in which to read `ids`, as indexes into it: those stored in a
/// pack in `pack_dir` by (pack, offset), the others after them as they come.
/// Reading a history's blobs in the order its packs store them finds each
/// delta's base in libgit2's small delta-base cache (a repacked history's
/// chains run 50 deep) instead of rebuilding it; the order changes only the
/// cost, never what is read.
std::vector<size_t> pack_reading_order(const std::string& pack_dir, const std::vector<ObjectId>& ids);

}  // namespace refguard::git
