#include "detect/model/stream_reader.h"

#include <algorithm>
#include <cstring>

namespace refguard::detect::model {

StreamReader::StreamReader(ByteStream& stream, ScanBudget& budget)
    // Not make_unique: it would zero the buffer, a cost paid for every member of every zip.
    : stream_(stream), budget_(budget), buffer_(new uint8_t[kBufferSize]) {}

bool StreamReader::fill(size_t want) {
  if (end_ - begin_ >= want) return true;
  if (failure_ != Failure::kNone) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < want) {
    size_t ask = budget_.take(std::min(kBufferSize - end_, std::max(chunk_, want - end_)));
    chunk_ = std::min(chunk_ * 2, kBufferSize);
    if (ask == 0) {
      failure_ = Failure::kBudget;
      return false;
    }
    size_t got = stream_.read(buffer_.get() + end_, ask);
    budget_.remaining += ask - got;  // give back what the stream did not deliver
    end_ += got;
    if (got == 0) {
      failure_ = stream_.error().empty() ? Failure::kEnd : Failure::kStream;
      return false;
    }
  }
  return true;
}

bool StreamReader::read(void* out, size_t n) {
  auto* bytes = static_cast<uint8_t*>(out);
  while (n > 0) {
    if (begin_ == end_ && !fill(1)) return false;
    size_t count = std::min(n, end_ - begin_);
    std::memcpy(bytes, buffer_.get() + begin_, count);
    begin_ += count, consumed_ += count, bytes += count, n -= count;
  }
  return true;
}

size_t StreamReader::read_some(void* out, size_t n) {
  auto* bytes = static_cast<uint8_t*>(out);
  size_t done = 0;
  while (done < n && (begin_ < end_ || fill(1))) {
    size_t count = std::min(n - done, end_ - begin_);
    std::memcpy(bytes + done, buffer_.get() + begin_, count);
    begin_ += count, consumed_ += count, done += count;
  }
  return done;
}

bool StreamReader::skip(uint64_t n) {
  size_t buffered = std::min<uint64_t>(n, end_ - begin_);
  begin_ += buffered, consumed_ += buffered, n -= buffered;
  if (n == 0) return true;
  if (failure_ != Failure::kNone) return false;
  // Random-access streams skip for free, so only compressed data spends budget.
  auto left = stream_.remaining();
  uint64_t allowed = left ? n : budget_.take(n);
  uint64_t done = stream_.skip(allowed);
  consumed_ += done;
  if (!left) budget_.remaining += allowed - done;
  if (done == n) return true;
  if (done < allowed) failure_ = stream_.error().empty() ? Failure::kEnd : Failure::kStream;
  else failure_ = Failure::kBudget;
  return false;
}

size_t StreamReader::peek(void* out, size_t n) {
  n = std::min(n, kBufferSize);
  fill(n);
  size_t count = std::min(n, end_ - begin_);
  std::memcpy(out, buffer_.get() + begin_, count);
  return count;
}

std::optional<StreamReader::Line> StreamReader::line(size_t max_keep) {
  Line result;
  for (;;) {
    if (begin_ == end_ && !fill(1)) return std::nullopt;
    const uint8_t* start = buffer_.get() + begin_;
    size_t available = end_ - begin_;
    const void* newline = std::memchr(start, '\n', available);
    size_t count = newline ? static_cast<size_t>(static_cast<const uint8_t*>(newline) - start) : available;
    if (result.kept.size() < max_keep)
      result.kept.append(reinterpret_cast<const char*>(start), std::min(count, max_keep - result.kept.size()));
    result.length += count;
    size_t used = newline ? count + 1 : count;
    begin_ += used, consumed_ += used;
    if (newline) return result;
  }
}

std::optional<uint64_t> StreamReader::remaining() const {
  auto left = stream_.remaining();
  if (!left) return std::nullopt;
  return *left + (end_ - begin_);
}

std::string StreamReader::failure_text() const {
  switch (failure_) {
    case Failure::kNone: return "no failure";
    case Failure::kEnd: return "the data ends";
    case Failure::kBudget: return "max_scan_bytes was reached";
    case Failure::kStream: return stream_.error();
  }
  return "unknown failure";
}

}  // namespace refguard::detect::model
