#pragma once
// Decompresses deflate data (zip members, zlib- and gzip-compressed joblib
// files) on the fly, so a compressed pickle is scanned without ever being
// inflated whole. The caller's ScanBudget bounds how much comes out, which is
// what defuses decompression bombs.
#include <memory>
#include <string>
#include <string_view>

#define ZLIB_CONST
#include <zlib.h>

#include "detect/model/byte_stream.h"

namespace refguard::detect::model {

enum class InflateFormat { kRaw, kZlib, kGzip };

struct ZStreamDeleter {
  void operator()(z_stream* stream) const noexcept;
};
/// An initialised inflate state; inflateEnd runs on destruction.
using ZStream = std::unique_ptr<z_stream, ZStreamDeleter>;

/// Borrows `input`, which must outlive it. Not thread-safe.
class InflateStream final : public ByteStream {
 public:
  InflateStream(ByteStream& input, InflateFormat format);
  size_t read(void* out, size_t n) override;
  std::string error() const override { return error_; }

 private:
  bool refill();

  ByteStream& input_;
  ZStream zstream_;
  std::unique_ptr<unsigned char[]> input_buffer_;
  bool input_ended_ = false;
  bool done_ = false;
  std::string error_;
};

/// True when `head` (the first bytes of some data) starts a stream zlib accepts:
/// a two-byte zlib header alone also matches ordinary text such as "(S".
bool inflates(std::string_view head, InflateFormat format);

}  // namespace refguard::detect::model
