#include "detect/model/byte_stream.h"

#include <algorithm>
#include <array>

namespace refguard::detect::model {

uint64_t ByteStream::skip(uint64_t n) {
  std::array<char, size_t{16} * 1024> scratch;
  uint64_t done = 0;
  while (done < n) {
    size_t got = read(scratch.data(), std::min<uint64_t>(scratch.size(), n - done));
    if (got == 0) break;
    done += got;
  }
  return done;
}

SourceStream::SourceStream(const ByteSource& source, uint64_t begin)
    : SourceStream(source, begin, source.size()) {}

SourceStream::SourceStream(const ByteSource& source, uint64_t begin, uint64_t end)
    : source_(source), position_(std::min(begin, source.size())), end_(std::clamp(end, position_, source.size())) {}

size_t SourceStream::read(void* out, size_t n) {
  if (failed_) return 0;
  size_t want = std::min<uint64_t>(n, end_ - position_);
  size_t got = source_.read(position_, out, want);
  position_ += got;
  // A short read before the end is an I/O error or a shrinking file; end here
  // rather than let callers see a hole in the middle of the data.
  if (got < want) failed_ = true, end_ = position_;
  return got;
}

uint64_t SourceStream::skip(uint64_t n) {
  uint64_t count = std::min(n, end_ - position_);
  position_ += count;
  return count;
}

}  // namespace refguard::detect::model
