#pragma once
// Git's pkt-line framing (gitprotocol-common(5)): four hex digits giving the
// length of the packet including themselves, then the payload; "0000" is a
// flush packet that ends a section. Pure code, no I/O, no dependencies beyond
// the standard library: the hook links it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::ipc {

/// Largest packet git allows on the wire, header included.
inline constexpr size_t kMaxPktLength = 65520;
inline constexpr size_t kMaxPktPayload = kMaxPktLength - 4;

/// One decoded packet: a flush, or a payload (trailing LF removed).
struct Pkt {
  bool flush = false;
  std::string payload;
};

/// Appends one data packet; payloads longer than kMaxPktPayload are truncated
/// by the caller's contract (returns false and appends nothing).
bool append_pkt(std::string& out, std::string_view payload);
void append_flush(std::string& out);

/// Incremental decoder: feed bytes as they arrive, take packets as they complete.
/// Not thread-safe; one per connection.
class PktDecoder {
 public:
  /// Adds received bytes. Returns false (and sets error()) on a malformed header.
  bool feed(std::string_view bytes);
  /// The next complete packet, if any.
  std::optional<Pkt> next();
  /// Bytes buffered but not yet forming a packet.
  size_t pending() const { return buffer_.size() - consumed_; }
  const std::string& error() const { return error_; }

 private:
  bool check_header();
  std::string buffer_;
  size_t consumed_ = 0;
  std::string error_;
};

}  // namespace refguard::ipc
