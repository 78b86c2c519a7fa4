#include "detect/model/zip_archive.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "detect/model/byte_stream.h"
#include "detect/model/stream_reader.h"

namespace refguard::detect::model {

namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kMaxComment = 0xFFFF;

uint64_t le(const uint8_t* bytes, size_t width) {
  uint64_t value = 0;
  for (size_t i = width; i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

struct EndRecord {
  uint64_t position = 0;
  uint64_t entries = 0;
  uint64_t directory_size = 0;
  uint64_t directory_offset = 0;
};

// The end-of-central-directory record is the last signature whose comment fits in the file.
Expected<EndRecord> find_end(const ByteSource& source) {
  uint64_t size = source.size();
  if (size < kEndSize) return fail("too small to be a zip");
  uint64_t tail_start = size - std::min<uint64_t>(size, kEndSize + kMaxComment);
  std::vector<uint8_t> tail(size - tail_start);
  if (!read_exact(source, tail_start, tail.data(), tail.size())) return fail("cannot read the end of the zip");
  for (size_t i = tail.size() - kEndSize + 1; i-- > 0;) {
    const uint8_t* record = tail.data() + i;
    if (le(record, 4) != kEndSignature) continue;
    if (i + kEndSize + le(record + 20, 2) > tail.size()) continue;
    return EndRecord{tail_start + i, le(record + 10, 2), le(record + 12, 4), le(record + 16, 4)};
  }
  return fail("no end-of-central-directory record");
}

Expected<void> apply_zip64(const ByteSource& source, EndRecord& end) {
  if (end.entries != 0xFFFF && end.directory_size != 0xFFFFFFFF && end.directory_offset != 0xFFFFFFFF) return {};
  uint8_t locator[20];
  if (end.position < sizeof(locator) || !read_exact(source, end.position - sizeof(locator), locator, sizeof(locator)) ||
      le(locator, 4) != kZip64LocatorSignature)
    return fail("zip64 fields without a zip64 locator");
  uint64_t record_offset = le(locator + 8, 8);
  uint8_t record[56];
  if (record_offset > end.position || !read_exact(source, record_offset, record, sizeof(record)) ||
      le(record, 4) != kZip64EndSignature)
    return fail("the zip64 locator points outside the file");
  end.entries = le(record + 32, 8);
  end.directory_size = le(record + 40, 8);
  end.directory_offset = le(record + 48, 8);
  return {};
}

// Zip64 extra field (id 1): the 64-bit values present are those whose 32-bit field is all ones.
Expected<void> apply_zip64_extra(std::string_view extra, ZipEntry& entry) {
  for (size_t at = 0; at + 4 <= extra.size();) {
    auto* bytes = reinterpret_cast<const uint8_t*>(extra.data() + at);
    uint64_t id = le(bytes, 2), length = le(bytes + 2, 2);
    if (at + 4 + length > extra.size()) return fail("an extra field runs past its entry");
    if (id == 1) {
      const uint8_t* value = bytes + 4;
      const uint8_t* limit = value + length;
      for (uint64_t* field : {&entry.uncompressed_size, &entry.compressed_size, &entry.local_header_offset}) {
        if (*field != 0xFFFFFFFF) continue;
        if (value + 8 > limit) return fail("a zip64 extra field is too short");
        *field = le(value, 8);
        value += 8;
      }
    }
    at += 4 + length;
  }
  return {};
}

}  // namespace

bool looks_like_zip(std::string_view head) {
  return head.size() >= 4 && (head.substr(0, 4) == "PK\x03\x04" || head.substr(0, 4) == "PK\x05\x06");
}

Expected<ZipArchive> ZipArchive::open(const ByteSource& source) {
  auto end = find_end(source);
  if (!end) return std::unexpected(end.error());
  if (auto ok = apply_zip64(source, *end); !ok) return std::unexpected(ok.error());
  if (end->directory_offset > end->position || end->directory_size > end->position - end->directory_offset)
    return fail("the central directory lies outside the file");
  if (end->entries > kMaxEntries) return fail(fmt::format("more than {} entries", kMaxEntries));
  ZipArchive archive(source);
  if (auto ok = archive.read_directory(end->directory_offset, end->directory_size, end->entries); !ok)
    return std::unexpected(ok.error());
  return archive;
}

Expected<void> ZipArchive::read_directory(uint64_t offset, uint64_t size, uint64_t count) {
  // Streamed through a bounded buffer: a directory can be large, the buffer is not.
  SourceStream stream(*source_, offset, offset + size);
  ScanBudget budget{size};
  StreamReader reader(stream, budget);
  entries_.reserve(std::min<uint64_t>(count, 4096));
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t header[46];
    if (!reader.read(header, sizeof(header)) || le(header, 4) != kCentralSignature)
      return fail(fmt::format("central directory entry {} is missing or corrupt", i));
    ZipEntry entry;
    entry.flags = static_cast<uint16_t>(le(header + 8, 2));
    entry.method = static_cast<uint16_t>(le(header + 10, 2));
    entry.compressed_size = le(header + 20, 4);
    entry.uncompressed_size = le(header + 24, 4);
    entry.local_header_offset = le(header + 42, 4);
    size_t name_length = le(header + 28, 2), extra_length = le(header + 30, 2), comment_length = le(header + 32, 2);
    entry.name.resize(name_length);
    std::string extra(extra_length, '\0');
    if (!reader.read(entry.name.data(), name_length) || !reader.read(extra.data(), extra_length) ||
        !reader.skip(comment_length))
      return fail(fmt::format("central directory entry {} runs past the directory", i));
    if (auto ok = apply_zip64_extra(extra, entry); !ok) return std::unexpected(ok.error());
    entries_.push_back(std::move(entry));
  }
  return {};
}

Expected<uint64_t> ZipArchive::data_offset(const ZipEntry& entry) const {
  uint8_t header[30];
  if (!read_exact(*source_, entry.local_header_offset, header, sizeof(header)) || le(header, 4) != kLocalSignature)
    return fail(fmt::format("member {}: no local header at offset {}", entry.name, entry.local_header_offset));
  uint64_t data = entry.local_header_offset + sizeof(header) + le(header + 26, 2) + le(header + 28, 2);
  if (data > source_->size() || entry.compressed_size > source_->size() - data)
    return fail(fmt::format("member {}: its {} bytes of data run past the end of the file", entry.name,
                            entry.compressed_size));
  return data;
}

}  // namespace refguard::detect::model
