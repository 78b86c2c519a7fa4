#include "detect/model/inflate_stream.h"

#include <algorithm>
#include <climits>

namespace refguard::detect::model {

namespace {
constexpr size_t kInputSize = size_t{64} * 1024;

int window_bits(InflateFormat format) {
  switch (format) {
    case InflateFormat::kRaw: return -MAX_WBITS;
    case InflateFormat::kZlib: return MAX_WBITS;
    case InflateFormat::kGzip: return MAX_WBITS + 16;
  }
  return MAX_WBITS;
}
}  // namespace

void ZStreamDeleter::operator()(z_stream* stream) const noexcept {
  inflateEnd(stream);
  delete stream;
}

InflateStream::InflateStream(ByteStream& input, InflateFormat format)
    : input_(input), input_buffer_(std::make_unique<unsigned char[]>(kInputSize)) {
  auto stream = std::make_unique<z_stream>();
  // inflateInit2 is a macro with a C cast; call the function it expands to.
  if (inflateInit2_(stream.get(), window_bits(format), ZLIB_VERSION, static_cast<int>(sizeof(z_stream))) != Z_OK) {
    error_ = "cannot initialise zlib";
    done_ = true;
    return;
  }
  zstream_.reset(stream.release());
}

bool InflateStream::refill() {
  size_t got = input_.read(input_buffer_.get(), kInputSize);
  if (got == 0) {
    input_ended_ = true;
    if (!input_.error().empty()) error_ = input_.error();
    return false;
  }
  zstream_->next_in = input_buffer_.get();
  zstream_->avail_in = static_cast<uInt>(got);
  return true;
}

size_t InflateStream::read(void* out, size_t n) {
  if (done_ || !error_.empty() || n == 0) return 0;
  n = std::min<size_t>(n, UINT_MAX);
  zstream_->next_out = static_cast<unsigned char*>(out);
  zstream_->avail_out = static_cast<uInt>(n);
  while (zstream_->avail_out > 0) {
    if (zstream_->avail_in == 0 && !input_ended_) refill();
    if (!error_.empty()) break;
    int status = inflate(zstream_.get(), Z_NO_FLUSH);
    if (status == Z_STREAM_END) {
      done_ = true;
      break;
    }
    if (status == Z_OK) continue;
    if (status == Z_BUF_ERROR && zstream_->avail_in == 0 && !input_ended_) continue;
    if (status == Z_BUF_ERROR) {
      error_ = "compressed data ends early";
    } else {
      error_ = std::string("corrupt compressed data") + (zstream_->msg ? std::string(": ") + zstream_->msg : "");
    }
    break;
  }
  return n - zstream_->avail_out;
}

bool inflates(std::string_view head, InflateFormat format) {
  MemorySource source(head);
  SourceStream input(source);
  InflateStream stream(input, format);
  unsigned char out[256];
  while (stream.read(out, sizeof(out)) > 0) {
  }
  // Running out of input is fine (this is only the head); corrupt data is not.
  return stream.error().empty() || stream.error() == "compressed data ends early";
}

}  // namespace refguard::detect::model
