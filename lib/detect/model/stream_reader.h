#pragma once
// Buffered, budgeted forward reading of a ByteStream that knows the offset of
// every byte, for parsers that must say "at byte N". It holds at most
// kBufferSize bytes however long the stream or its declared lengths are.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "detect/model/byte_stream.h"
#include "detect/model/scan_budget.h"

namespace refguard::detect::model {

/// Not thread-safe. Borrows the stream and the budget.
class StreamReader {
 public:
  static constexpr size_t kBufferSize = size_t{64} * 1024;

  enum class Failure { kNone, kEnd, kBudget, kStream };

  /// One '\n'-terminated line: the first `max_keep` bytes and the full length (both without the '\n').
  struct Line {
    std::string kept;
    uint64_t length = 0;
  };

  StreamReader(ByteStream& stream, ScanBudget& budget);

  /// Bytes consumed so far (the offset of the next byte).
  uint64_t offset() const { return consumed_; }
  /// True when no byte is left; reads ahead to find out.
  bool at_end() { return begin_ == end_ && !fill(1); }
  /// The next byte, or nullopt at the end or after a failure.
  std::optional<uint8_t> byte() {
    if (begin_ == end_ && !fill(1)) return std::nullopt;
    ++consumed_;
    return buffer_[begin_++];
  }
  /// Reads exactly n bytes into `out`, or returns false.
  bool read(void* out, size_t n);
  /// Reads up to n bytes; fewer only at the end of the data or after a failure.
  size_t read_some(void* out, size_t n);
  /// Skips exactly n bytes without keeping them, or returns false.
  bool skip(uint64_t n);
  /// Copies up to n (at most kBufferSize) upcoming bytes without consuming them.
  size_t peek(void* out, size_t n);
  /// Reads through the next '\n'; nullopt when the data ends before one.
  std::optional<Line> line(size_t max_keep);
  /// Bytes left, when the stream knows (random-access sources).
  std::optional<uint64_t> remaining() const;

  Failure failure() const { return failure_; }
  /// Why reading stopped, for messages: "the data ends", "max_scan_bytes reached", ...
  std::string failure_text() const;

 private:
  /// Makes at least `want` (<= kBufferSize) bytes available, or records why not.
  bool fill(size_t want);

  ByteStream& stream_;
  ScanBudget& budget_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;
  size_t chunk_ = 4096;  // grows to kBufferSize: a quick look at a file reads (and spends) little
  Failure failure_ = Failure::kNone;
};

}  // namespace refguard::detect::model
