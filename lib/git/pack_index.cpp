#include "git/pack_index.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "util/small_file.h"

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

}  // namespace

std::optional<PackIndex> PackIndex::parse(std::string bytes) {
  PackIndex index(std::move(bytes));
  const std::string& raw = index.bytes_;
  const unsigned char* p = index.data();
  if (raw.size() < kHeaderBytes + kFanoutBytes + kTrailerBytes || std::memcmp(p, "\377tOc", 4) != 0 ||
      big_endian_32(p + 4) != 2)
    return std::nullopt;
  uint64_t count = big_endian_32(p + kHeaderBytes + size_t{255} * 4);
  uint64_t fixed = kHeaderBytes + kFanoutBytes + count * (20 + 4 + 4);
  if (fixed + kTrailerBytes > raw.size()) return std::nullopt;
  // The fan-out counts never decrease: find() relies on it to stay in bounds.
  for (size_t b = 1; b < 256; ++b)
    if (big_endian_32(p + kHeaderBytes + b * 4) < big_endian_32(p + kHeaderBytes + (b - 1) * 4)) return std::nullopt;
  index.count_ = static_cast<uint32_t>(count);
  index.large_count_ = (raw.size() - kTrailerBytes - fixed) / 8;
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
  std::vector<PackIndex> indexes;
  for (const auto& path : pack_index_paths(pack_dir))
    if (auto index = PackIndex::read(path)) indexes.push_back(std::move(*index));
  constexpr uint64_t kNotPacked = UINT64_MAX;
  std::vector<std::pair<uint64_t, size_t>> keyed;  // (pack rank << 40 | offset, position in ids)
  keyed.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    uint64_t key = kNotPacked;
    for (size_t rank = 0; rank < indexes.size() && key == kNotPacked; ++rank)
      if (auto entry = indexes[rank].find(ids[i].raw()))
        if (auto offset = indexes[rank].offset(*entry); offset && *offset < (uint64_t{1} << 40))
          key = (uint64_t{rank} << 40) | *offset;
    keyed.emplace_back(key, i);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> order(ids.size());
  for (size_t i = 0; i < keyed.size(); ++i) order[i] = keyed[i].second;
  return order;
}

}  // namespace refguard::git
