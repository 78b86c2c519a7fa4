#pragma once
// Sequential bytes: a pickle, an .npy payload, an inflated zip member. Parsers
// that only walk forward (the pickle scanner) take this, so the same code
// reads a stored member in place and a deflated one through zlib.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "detect/model/byte_source.h"

namespace refguard::detect::model {

/// Not thread-safe: one reader at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Up to n bytes into `out`; 0 at the end of the data or after an error.
  virtual size_t read(void* out, size_t n) = 0;
  /// Skips up to n bytes and returns how many. The default reads and discards.
  virtual uint64_t skip(uint64_t n);
  /// Bytes left, when known without reading (nullopt for compressed data).
  virtual std::optional<uint64_t> remaining() const { return std::nullopt; }
  /// Why the stream ended early ("corrupt deflate data"); "" for a plain end.
  virtual std::string error() const { return {}; }
};

/// Reads [begin, end) of a ByteSource; skipping is free. Borrows the source.
class SourceStream final : public ByteStream {
 public:
  explicit SourceStream(const ByteSource& source, uint64_t begin = 0);
  SourceStream(const ByteSource& source, uint64_t begin, uint64_t end);
  size_t read(void* out, size_t n) override;
  uint64_t skip(uint64_t n) override;
  std::optional<uint64_t> remaining() const override { return end_ - position_; }
  std::string error() const override { return failed_ ? "short read from the file" : ""; }

 private:
  const ByteSource& source_;
  uint64_t position_;
  uint64_t end_;
  bool failed_ = false;
};

}  // namespace refguard::detect::model
