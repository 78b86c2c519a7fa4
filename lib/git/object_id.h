#pragma once
// A Git object id as a value: what the push reader, the scan, the caches and
// the findings pass around. Hex only at the edges (the hook protocol, reports,
// the audit log, cache keys on disk). Layout-compatible with libgit2's
// git_oid, so converting either way costs a copy of 20 bytes.
#include <git2.h>

#include <compare>
#include <cstring>
#include <string>
#include <string_view>

#include "util/error.h"

namespace refguard::git {

class ObjectId {
 public:
  ObjectId() : oid_{} {}
  // Implicit on purpose: libgit2 hands out git_oid everywhere.
  ObjectId(const git_oid& oid) : oid_(oid) {}  // NOLINT(google-explicit-constructor)

  /// Parses a full-length lowercase or uppercase hex id.
  static Expected<ObjectId> from_hex(std::string_view hex);

  const git_oid& raw() const { return oid_; }
  const git_oid* get() const { return &oid_; }
  bool is_zero() const { return git_oid_is_zero(&oid_) != 0; }
  std::string hex() const;
  /// The first `length` hex digits, as reports show a commit.
  std::string short_hex(size_t length = 10) const { return hex().substr(0, length); }

  friend bool operator==(const ObjectId& a, const ObjectId& b) {
    return std::memcmp(a.oid_.id, b.oid_.id, GIT_OID_RAWSZ) == 0;
  }
  friend std::strong_ordering operator<=>(const ObjectId& a, const ObjectId& b) {
    return std::memcmp(a.oid_.id, b.oid_.id, GIT_OID_RAWSZ) <=> 0;
  }

 private:
  git_oid oid_;
};

/// Hash for maps keyed by ObjectId (ids are uniformly distributed: any 8 bytes hash well).
struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const noexcept {
    size_t hash;
    std::memcpy(&hash, id.raw().id, sizeof(hash));
    return hash;
  }
};

}  // namespace refguard::git
