#include "git/pack_index.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <numeric>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/small_file.h"
#include "util/unique_fd.h"

namespace refguard::git {

namespace {

// An index of more objects than this (~2.4 million) is not read.
constexpr size_t kMaxIndexBytes = 64u << 20;
constexpr size_t kHeaderBytes = 8;                // "\377tOc", version 2
constexpr size_t kFanoutBytes = size_t{256} * 4;
constexpr size_t kTrailerBytes = size_t{2} * 20;  // the pack's and the index's checksums

uint32_t big_endian_32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint64_t big_endian_64(const unsigned char* p) { return (uint64_t{big_endian_32(p)} << 32) | big_endian_32(p + 4); }

// An index's tables, from its header and fan-out checked against its size:
// nullopt when it is not a v2 index git wrote. `head` holds the header and
// the fan-out (kHeaderBytes + kFanoutBytes bytes).
struct IndexShape {
  uint64_t count;        // entries
  uint64_t large_count;  // entries of the 64-bit offset table
  static constexpr uint64_t names_at = kHeaderBytes + kFanoutBytes;
  uint64_t offsets_at() const { return names_at + count * (20 + 4); }  // past the ids and CRCs
  uint64_t large_at() const { return offsets_at() + count * 4; }
};

std::optional<IndexShape> shape_of(const unsigned char* head, uint64_t size) {
  if (size < kHeaderBytes + kFanoutBytes + kTrailerBytes || std::memcmp(head, "\377tOc", 4) != 0 ||
      big_endian_32(head + 4) != 2)
    return std::nullopt;
  // The fan-out counts never decrease: find() relies on it to stay in bounds.
  for (size_t b = 1; b < 256; ++b)
    if (big_endian_32(head + kHeaderBytes + b * 4) < big_endian_32(head + kHeaderBytes + (b - 1) * 4))
      return std::nullopt;
  IndexShape shape{big_endian_32(head + kHeaderBytes + size_t{255} * 4), 0};
  if (shape.large_at() + kTrailerBytes > size) return std::nullopt;
  shape.large_count = (size - kTrailerBytes - shape.large_at()) / 8;
  return shape;
}

// Reads exactly `size` bytes at `offset`, or fails.
bool read_at(int fd, uint64_t offset, size_t size, unsigned char* out) {
  while (size > 0) {
    ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

std::vector<std::optional<uint64_t>> offsets_in_index(const std::string& index_path, const std::vector<ObjectId>& ids,
                                                      uint32_t entries_per_read) {
  std::vector<std::optional<uint64_t>> offsets(ids.size());
  UniqueFd fd(::open(index_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat status {};
  if (!fd.valid() || ::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode)) return offsets;
  uint64_t file_size = static_cast<uint64_t>(status.st_size);
  unsigned char head[kHeaderBytes + kFanoutBytes];
  if (!read_at(fd.get(), 0, sizeof head, head)) return offsets;  // a shorter file fails here
  auto shape = shape_of(head, file_size);
  if (!shape) return offsets;
  uint64_t count = shape->count;

  // The ids in the index's order; the names are then read front to back, a
  // run at a time, and matched as they pass (both sorted): one pass over the
  // index whatever the number of ids.
  std::vector<size_t> by_id(ids.size());
  std::iota(by_id.begin(), by_id.end(), size_t{0});
  std::sort(by_id.begin(), by_id.end(),
            [&](size_t a, size_t b) { return std::memcmp(ids[a].get()->id, ids[b].get()->id, 20) < 0; });
  std::vector<std::pair<uint64_t, size_t>> found;  // (entry, position in ids), entries ascending
  uint32_t run = std::max<uint32_t>(entries_per_read, 1);
  std::vector<unsigned char> buffer(size_t{run} * 20);
  size_t next = 0;
  for (uint64_t first = 0; first < count && next < by_id.size(); first += run) {
    uint64_t entries = std::min<uint64_t>(run, count - first);
    if (!read_at(fd.get(), IndexShape::names_at + first * 20, entries * 20, buffer.data())) return offsets;
    for (uint64_t e = 0; e < entries && next < by_id.size();) {
      int order = std::memcmp(buffer.data() + e * 20, ids[by_id[next]].get()->id, 20);
      if (order < 0) ++e;
      else if (order > 0) ++next;  // not in this index
      else found.emplace_back(first + e, by_id[next++]);  // `e` stays: an id given twice matches twice
    }
  }
  // Their offsets: the 4-byte table, read in runs over the entries found.
  std::vector<unsigned char> small(size_t{run} * 4);
  uint64_t loaded_first = 0, loaded_count = 0;
  for (const auto& [entry, position] : found) {
    if (entry >= loaded_first + loaded_count || loaded_count == 0) {
      loaded_first = entry;
      loaded_count = std::min<uint64_t>(run, count - entry);
      if (!read_at(fd.get(), shape->offsets_at() + loaded_first * 4, loaded_count * 4, small.data()))
        return offsets;
    }
    uint64_t offset = big_endian_32(small.data() + (entry - loaded_first) * 4);
    if (offset & 0x80000000u) {  // a pack over 2 GiB: the 64-bit table
      uint64_t slot = offset & 0x7fffffffu;
      unsigned char wide[8];
      if (slot >= shape->large_count || !read_at(fd.get(), shape->large_at() + slot * 8, 8, wide)) continue;
      offset = big_endian_64(wide);
    }
    offsets[position] = offset;
  }
  return offsets;
}

std::optional<PackIndex> PackIndex::parse(std::string bytes) {
  PackIndex index(std::move(bytes));
  auto shape = shape_of(index.data(), index.bytes_.size());  // reads the header only once its size is checked
  if (!shape) return std::nullopt;
  index.count_ = static_cast<uint32_t>(shape->count);
  index.large_count_ = shape->large_count;
  return index;
}

std::optional<PackIndex> PackIndex::read(const std::string& path) {
  auto read = read_small_file(path, kMaxIndexBytes, "pack index");
  if (!read || !*read) return std::nullopt;
  return parse(std::move(**read));
}

const unsigned char* PackIndex::id(uint32_t i) const { return data() + kHeaderBytes + kFanoutBytes + uint64_t{i} * 20; }

std::optional<uint64_t> PackIndex::offset(uint32_t i) const {
  const unsigned char* offsets = data() + kHeaderBytes + kFanoutBytes + uint64_t{count_} * (20 + 4);
  uint64_t offset = big_endian_32(offsets + uint64_t{i} * 4);
  if (!(offset & 0x80000000u)) return offset;
  uint64_t slot = offset & 0x7fffffffu;
  if (slot >= large_count_) return std::nullopt;
  return big_endian_64(offsets + uint64_t{count_} * 4 + slot * 8);
}

std::optional<uint32_t> PackIndex::find(const git_oid& oid) const {
  const unsigned char* fanout = data() + kHeaderBytes;
  unsigned first = oid.id[0];
  uint32_t low = first == 0 ? 0 : big_endian_32(fanout + size_t{first - 1} * 4);
  uint32_t high = std::min(big_endian_32(fanout + size_t{first} * 4), count_);
  while (low < high) {
    uint32_t middle = low + (high - low) / 2;
    int order = std::memcmp(id(middle), oid.id, 20);
    if (order == 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return std::nullopt;
}

std::vector<std::string> pack_index_paths(const std::string& pack_dir) {
  std::vector<std::string> paths;
  std::error_code error;
  for (std::filesystem::directory_iterator it(pack_dir, error), end; !error && it != end; it.increment(error))
    if (it->path().extension() == ".idx") paths.push_back(it->path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<size_t> pack_reading_order(const std::string& pack_dir, const std::vector<ObjectId>& ids) {
  constexpr uint64_t kNotPacked = UINT64_MAX;
  std::vector<std::pair<uint64_t, size_t>> keyed;  // (pack rank << 40 | offset, position in ids)
  keyed.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) keyed.emplace_back(kNotPacked, i);
  uint64_t rank = 0;
  for (const auto& path : pack_index_paths(pack_dir)) {
    auto offsets = offsets_in_index(path, ids);  // the first pack holding an id places it
    for (size_t i = 0; i < ids.size(); ++i)
      if (keyed[i].first == kNotPacked && offsets[i] && *offsets[i] < (uint64_t{1} << 40))
        keyed[i].first = (rank << 40) | *offsets[i];
    ++rank;
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> order(ids.size());
  for (size_t i = 0; i < keyed.size(); ++i) order[i] = keyed[i].second;
  return order;
}

}  // namespace refguard::git
