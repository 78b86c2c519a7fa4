#pragma once
// A zip reader for model containers (PyTorch checkpoints, .npz). It reads
// only the central directory and local headers, and checks every size and
// offset they declare against the source, so a forged header can neither
// read out of bounds nor make it allocate what the file does not hold.
// Zip64 is supported (PyTorch writes it for files over 4 GiB).
#include <cstdint>
#include <string>
#include <vector>

#include "detect/model/byte_source.h"
#include "util/error.h"

namespace refguard::detect::model {

struct ZipEntry {
  std::string name;
  uint16_t flags = 0;   // bit 0: encrypted
  uint16_t method = 0;  // 0 stored, 8 deflated; anything else cannot be inspected
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;

  bool encrypted() const { return (flags & 1) != 0; }
};

/// Immutable after open(); borrows the source, which must outlive it.
class ZipArchive {
 public:
  static constexpr size_t kMaxEntries = 1 << 20;

  /// Reads the central directory; fails with the reason if it is not a sound zip.
  static Expected<ZipArchive> open(const ByteSource& source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  /// The offset of an entry's data, after checking its local header and that
  /// [offset, offset + compressed_size) lies inside the source.
  Expected<uint64_t> data_offset(const ZipEntry& entry) const;

 private:
  explicit ZipArchive(const ByteSource& source) : source_(&source) {}
  Expected<void> read_directory(uint64_t offset, uint64_t size, uint64_t count);

  const ByteSource* source_;
  std::vector<ZipEntry> entries_;
};

/// True when `head` starts with a zip signature (local header or empty archive).
bool looks_like_zip(std::string_view head);

}  // namespace refguard::detect::model
