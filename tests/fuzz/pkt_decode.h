#pragma once
// Decodes a byte stream into pkt-lines, fed whole or in chunks whose sizes a
// small generator derives from one seed byte: the daemon sees whatever split
// the socket delivers, and the result may not depend on it.
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "ipc/pkt_line.h"

namespace refguard::fuzz {

struct Decoded {
  std::vector<ipc::Pkt> packets;
  bool failed = false;
  size_t pending = 0;
};

/// seed 0: one feed; otherwise chunks of 0..seed bytes (zero-length feeds included).
inline Decoded decode_pkts(std::string_view bytes, uint8_t seed) {
  ipc::PktDecoder decoder;
  Decoded out;
  uint32_t state = seed * 2654435761u + 1;
  while (!out.failed) {
    size_t chunk = bytes.size();
    if (seed != 0) {
      state ^= state << 13, state ^= state >> 17, state ^= state << 5;
      chunk = std::min<size_t>(bytes.size(), state % (seed + 1u));
    }
    if (!decoder.feed(bytes.substr(0, chunk))) out.failed = true;
    bytes.remove_prefix(chunk);
    while (auto pkt = decoder.next()) {
      FUZZ_CHECK(pkt->flush || pkt->payload.size() <= ipc::kMaxPktPayload, "payload within the pkt-line limit");
      out.packets.push_back(std::move(*pkt));
    }
    if (!decoder.error().empty()) out.failed = true;
    if (bytes.empty()) break;
  }
  FUZZ_CHECK(!decoder.next(), "no packet after the input is drained or the decoder failed");
  out.pending = out.failed ? 0 : decoder.pending();
  return out;
}

inline bool same_packets(const std::vector<ipc::Pkt>& a, const std::vector<ipc::Pkt>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].flush != b[i].flush || a[i].payload != b[i].payload) return false;
  return true;
}

}  // namespace refguard::fuzz
