#pragma once
// A hash whose value never changes: FNV-1a, 64 bits. For everything stored on
// disk (the scan-cache file, policy digests) or shown to users (finding ids
// they type into `-o refguard.allow=`): std::hash may change with the
// standard library, these must not. Not for security.
#include <cstdint>
#include <string>
#include <string_view>

namespace refguard {

/// Hashes a sequence of fields; each field ends with a separator byte, so
/// ("ab", "c") and ("a", "bc") differ.
class StableHasher {
 public:
  StableHasher& add(std::string_view field) {
    add_bytes(field);
    hash_ = (hash_ ^ 0xffu) * kPrime;
    return *this;
  }
  /// Bytes without a separator: hashing a whole text this way gives plain FNV-1a.
  StableHasher& add_bytes(std::string_view bytes) {
    for (unsigned char c : bytes) hash_ = (hash_ ^ c) * kPrime;
    return *this;
  }
  uint64_t value() const { return hash_; }

 private:
  static constexpr uint64_t kOffsetBasis = 1469598103934665603ull;
  static constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash_ = kOffsetBasis;
};

/// Plain FNV-1a of `bytes`.
inline uint64_t stable_hash(std::string_view bytes) { return StableHasher().add_bytes(bytes).value(); }

/// The 16 lowercase hex digits of stable_hash(bytes).
std::string stable_hash_hex(std::string_view bytes);

}  // namespace refguard
