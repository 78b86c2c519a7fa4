#pragma once
// Object ids for tests: from the hex a test repository prints, or made up.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string_view>

#include "git/object_id.h"

namespace refguard::test {

inline git::ObjectId oid(std::string_view hex) {
  auto id = git::ObjectId::from_hex(hex);
  INFO(std::string(hex));
  REQUIRE(id);
  return *id;
}

/// A made-up id: n in hex, zero-padded. No Catch macros: safe on any thread.
inline git::ObjectId numbered_id(unsigned n) { return *git::ObjectId::from_hex(fmt::format("{:040x}", n)); }

}  // namespace refguard::test
