#include "git/pack_commits.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include "git/pack_index.h"
#include "util/unique_fd.h"

namespace refguard::git {

namespace {

constexpr uint64_t kPackHeaderBytes = 12;  // "PACK", version, object count
constexpr unsigned kCommitType = 1;        // OBJ_COMMIT in an entry's first byte (bits 4-6)
constexpr unsigned kTagType = 4;           // OBJ_TAG: git writes tagged tips among the commits

// The entries of the index: (offset in the pack, position in the index).
// Empty when an offset falls outside a pack of `pack_size` bytes.
std::vector<std::pair<uint64_t, uint32_t>> index_entries(const PackIndex& index, uint64_t pack_size) {
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  entries.reserve(index.count());
  for (uint32_t i = 0; i < index.count(); ++i) {
    auto offset = index.offset(i);
    if (!offset || *offset < kPackHeaderBytes || *offset >= pack_size) return {};
    entries.emplace_back(*offset, i);
  }
  return entries;
}

// Calls `visit` on entries in increasing offset while it returns true.
// Sorts only as far as it goes, in batches that double: a pack's commits
// are its first entries, a small part of all of them.
template <class Visit>
void in_pack_order(std::vector<std::pair<uint64_t, uint32_t>>& entries, Visit&& visit) {
  size_t begin = 0, batch = 4096;
  while (begin < entries.size()) {
    size_t end = std::min(entries.size(), begin + batch);
    auto first = entries.begin() + static_cast<std::ptrdiff_t>(begin), last = entries.begin() + static_cast<std::ptrdiff_t>(end);
    std::nth_element(first, last - 1, entries.end());
    std::sort(first, last);
    for (auto it = first; it != last; ++it)
      if (!visit(*it)) return;
    begin = end;
    batch *= 2;
  }
}

// Reads single bytes of a file in increasing offsets through a buffer.
class ForwardReader {
 public:
  explicit ForwardReader(int fd) : fd_(fd) {}
  /// False when the byte cannot be read.
  bool byte_at(uint64_t offset, unsigned char& out) {
    if (offset < start_ || offset >= start_ + filled_) {
      ssize_t got = ::pread(fd_, buffer_, sizeof buffer_, static_cast<off_t>(offset));
      if (got <= 0) return false;
      start_ = offset;
      filled_ = static_cast<size_t>(got);
    }
    out = buffer_[offset - start_];
    return true;
  }

 private:
  int fd_;
  unsigned char buffer_[64 * 1024] = {};
  uint64_t start_ = 0;
  size_t filled_ = 0;
};

// The leading commits of a pack of `pack_size` bytes whose entries' first
// bytes `byte_at(offset, out)` reads (false: it cannot).
template <class ByteAt>
std::vector<git_oid> leading_commits_of(const std::optional<PackIndex>& index, uint64_t pack_size, size_t max_commits,
                                        ByteAt&& byte_at) {
  if (!index) return {};
  auto entries = index_entries(*index, pack_size);
  if (entries.empty()) return {};
  std::vector<git_oid> commits;
  bool over_limit = false;
  in_pack_order(entries, [&](const std::pair<uint64_t, uint32_t>& entry) {
    unsigned char first = 0;
    if (!byte_at(entry.first, first)) return false;
    unsigned type = (first >> 4) & 7;
    if (type == kTagType) return true;
    if (type != kCommitType) return false;
    if (commits.size() == max_commits) {
      over_limit = true;
      return false;
    }
    git_oid id;
    std::memcpy(id.id, index->id(entry.second), 20);
    commits.push_back(id);
    return true;
  });
  if (over_limit) return {};
  return commits;
}

}  // namespace

std::vector<git_oid> leading_commits(const std::string& index_path, const std::string& pack_path, size_t max_commits) {
  UniqueFd pack(::open(pack_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat status {};
  if (!pack.valid() || ::fstat(pack.get(), &status) != 0 || !S_ISREG(status.st_mode)) return {};
  // Read, not mapped: a file cut short under a mapping would kill the
  // daemon with SIGBUS.
  auto reader = std::make_unique<ForwardReader>(pack.get());
  return leading_commits_of(PackIndex::read(index_path), static_cast<uint64_t>(status.st_size), max_commits,
                            [&](uint64_t offset, unsigned char& out) { return reader->byte_at(offset, out); });
}

std::vector<git_oid> leading_commits(std::string_view index, std::string_view pack, size_t max_commits) {
  return leading_commits_of(PackIndex::parse(std::string(index)), pack.size(), max_commits,
                            [&](uint64_t offset, unsigned char& out) {
    if (offset >= pack.size()) return false;
    out = static_cast<unsigned char>(pack[offset]);
    return true;
  });
}

std::vector<git_oid> leading_commits_in(const std::string& pack_dir, size_t max_commits) {
  std::vector<git_oid> commits;
  for (const auto& index_path : pack_index_paths(pack_dir)) {
    std::string pack_path = index_path.substr(0, index_path.size() - 4) + ".pack";
    auto found = leading_commits(index_path, pack_path, max_commits - commits.size());
    commits.insert(commits.end(), found.begin(), found.end());
    if (commits.size() >= max_commits) break;
  }
  return commits;
}

}  // namespace refguard::git
