#include "ipc/pkt_line.h"

namespace refguard::ipc {

namespace {
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses the 4-digit header; -1 when it is not hex.
long parse_length(std::string_view header) {
  long length = 0;
  for (char c : header) {
    int v = hex_value(c);
    if (v < 0) return -1;
    length = length * 16 + v;
  }
  return length;
}
}  // namespace

bool append_pkt(std::string& out, std::string_view payload) {
  if (payload.size() + 1 > kMaxPktPayload) return false;
  size_t length = payload.size() + 5;  // header + payload + LF
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(length >> shift) & 0xF]);
  out.append(payload);
  out.push_back('\n');
  return true;
}

void append_flush(std::string& out) { out.append("0000"); }

bool PktDecoder::feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  // Compact before growing so a long-lived connection does not keep every byte.
  if (consumed_ > 0 && consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  buffer_.append(bytes);
  return check_header();
}

bool PktDecoder::check_header() {
  if (pending() < 4) return true;
  long length = parse_length(std::string_view(buffer_).substr(consumed_, 4));
  if (length < 0) {
    error_ = "malformed pkt-line header (not four hex digits)";
  } else if (length > 0 && length < 4) {
    error_ = "malformed pkt-line header (length " + std::to_string(length) + " is below 4)";
  } else if (static_cast<size_t>(length) > kMaxPktLength) {
    error_ = "pkt-line of " + std::to_string(length) + " bytes exceeds the limit of " +
             std::to_string(kMaxPktLength);
  }
  return error_.empty();
}

std::optional<Pkt> PktDecoder::next() {
  if (!error_.empty() || pending() < 4) return std::nullopt;
  if (!check_header()) return std::nullopt;
  size_t length = static_cast<size_t>(parse_length(std::string_view(buffer_).substr(consumed_, 4)));
  if (length == 0) {
    consumed_ += 4;
    return Pkt{true, {}};
  }
  if (pending() < length) return std::nullopt;
  std::string payload = buffer_.substr(consumed_ + 4, length - 4);
  consumed_ += length;
  if (!payload.empty() && payload.back() == '\n') payload.pop_back();
  if (consumed_ > 65536 && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return Pkt{false, std::move(payload)};
}

}  // namespace refguard::ipc
