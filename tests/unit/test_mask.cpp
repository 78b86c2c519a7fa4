#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>

#include "util/mask.h"

using refguard::mask_secret;

namespace {

const std::string kEllipsis = "…";

// The shown prefix: everything before the ellipsis.
std::string shown_part(const std::string& masked) {
  auto at = masked.find(kEllipsis);
  REQUIRE(at != std::string::npos);
  return masked.substr(0, at);
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += length;
  }
  return true;
}

}  // namespace

TEST_CASE("mask shows a short prefix and the length", "[mask]") {
  CHECK(mask_secret("sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "sk-proj-…(44 chars)");
  CHECK(mask_secret("0123456789abcdef") == "0123…(16 chars)");
}

TEST_CASE("mask never shows more than min(8, len/4) characters", "[mask]") {
  for (size_t length = 0; length <= 200; ++length) {
    INFO("length " << length);
    std::string secret;
    for (size_t i = 0; i < length; ++i) secret.push_back(static_cast<char>('A' + i % 26));
    std::string masked = mask_secret(secret);
    std::string shown = shown_part(masked);
    size_t limit = length < 8 ? 0 : std::min<size_t>(8, length / 4);
    CHECK(shown.size() <= limit);
    CHECK(shown.size() == limit);  // ASCII: exactly the limit
    CHECK(secret.compare(0, shown.size(), shown) == 0);
    CHECK_THAT(masked, Catch::EndsWith("(" + std::to_string(length) + " chars)"));
    if (length >= 4) CHECK(masked.find(secret.substr(shown.size())) == std::string::npos);
  }
}

TEST_CASE("mask hides short secrets completely", "[mask]") {
  for (std::string secret : {"", "a", "hunter2", "1234567"}) {
    INFO(secret);
    CHECK(mask_secret(secret) == kEllipsis + "(" + std::to_string(secret.size()) + " chars)");
  }
  // Eight characters: a quarter is 2.
  CHECK(mask_secret("abcdefgh") == "ab…(8 chars)");
}

TEST_CASE("mask never cuts a UTF-8 sequence in half", "[mask]") {
  struct Case {
    std::string secret;
    std::string shown;
  };
  const std::string e_acute = "\xC3\xA9";          // é, 2 bytes
  const std::string euro = "\xE2\x82\xAC";         // €, 3 bytes
  const std::string emoji = "\xF0\x9F\x94\x91";    // 🔑, 4 bytes
  const std::vector<Case> cases = {
      // 16 bytes -> 4 shown; the 4th byte is the middle of é, so only 3.
      {"abc" + e_acute + std::string(11, 'x'), "abc"},
      // 40 bytes -> 8 shown; bytes 6..8 are the euro sign.
      {"sk-pr" + euro + std::string(32, 'x'), "sk-pr" + euro},
      // 40 bytes -> 8; bytes 6..8 are the euro sign, so the cut falls inside it.
      {"sk-pro" + euro + std::string(31, 'x'), "sk-pro"},
      // Ten 4-byte characters: 40 bytes -> 8, exactly two whole characters.
      {emoji + emoji + emoji + emoji + emoji + emoji + emoji + emoji + emoji + emoji, emoji + emoji},
      // 40 bytes -> 8, which ends inside the second emoji: cut back to "a" and one emoji.
      {"a" + emoji + emoji + emoji + emoji + emoji + emoji + emoji + emoji + emoji + "bbb", "a" + emoji},
  };
  for (const auto& c : cases) {
    INFO("bytes " << c.secret.size());
    std::string masked = mask_secret(c.secret);
    CHECK(shown_part(masked) == c.shown);
    CHECK(is_valid_utf8(masked));
    CHECK_THAT(masked, Catch::EndsWith("(" + std::to_string(c.secret.size()) + " chars)"));
  }
}

TEST_CASE("mask output is valid UTF-8 and within bounds for random multi-byte secrets", "[mask]") {
  const std::vector<std::string> pieces = {"a", "Z", "9", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x91"};
  std::mt19937 random(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string secret;
    size_t count = random() % 40;
    for (size_t i = 0; i < count; ++i) secret += pieces[random() % pieces.size()];
    std::string masked = mask_secret(secret);
    std::string shown = shown_part(masked);
    INFO("secret bytes " << secret.size());
    CHECK(is_valid_utf8(masked));
    CHECK(shown.size() <= (secret.size() < 8 ? 0 : std::min<size_t>(8, secret.size() / 4)));
    CHECK(secret.compare(0, shown.size(), shown) == 0);
  }
}
