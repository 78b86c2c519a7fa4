#pragma once
// Random access to the bytes of one file without holding them all. The model
// scanner reads zip directories, headers and pickle streams through this, so
// a multi-gigabyte checkpoint costs a bounded buffer, not its size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/unique_fd.h"

namespace refguard::detect::model {

/// Read-only random access. Implementations are immutable after construction
/// and may be read from several threads at once.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  /// Copies up to n bytes at `offset` into `out` and returns how many. Fewer
  /// than asked means the end of the source or an I/O error; callers treat
  /// both as truncation, which fails closed.
  virtual size_t read(uint64_t offset, void* out, size_t n) const = 0;
};

/// Bytes already in memory (a FileView's content). Borrows them.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  size_t read(uint64_t offset, void* out, size_t n) const override;

 private:
  std::string_view bytes_;
};

/// A file read with pread(2), so there is no shared file position between threads.
class FileSource final : public ByteSource {
 public:
  static Expected<FileSource> open(const std::string& path);
  uint64_t size() const override { return size_; }
  size_t read(uint64_t offset, void* out, size_t n) const override;

 private:
  FileSource(UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  UniqueFd fd_;
  uint64_t size_;
};

/// A window [offset, offset + size) of another source (a stored zip member),
/// clamped to that source. Borrows `base`, which must outlive it.
class SliceSource final : public ByteSource {
 public:
  SliceSource(const ByteSource& base, uint64_t offset, uint64_t size);
  uint64_t size() const override { return size_; }
  size_t read(uint64_t offset, void* out, size_t n) const override;

 private:
  const ByteSource& base_;
  uint64_t offset_;
  uint64_t size_;
};

/// Reads exactly n bytes or returns false.
inline bool read_exact(const ByteSource& source, uint64_t offset, void* out, size_t n) {
  return source.read(offset, out, n) == n;
}

}  // namespace refguard::detect::model
