#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ipc/pkt_line.h"

using namespace refguard::ipc;

namespace {

// Feeds `wire` in one go and drains every complete packet.
std::vector<Pkt> decode_all(PktDecoder& decoder, std::string_view wire) {
  std::vector<Pkt> out;
  REQUIRE(decoder.feed(wire));
  while (auto pkt = decoder.next()) out.push_back(std::move(*pkt));
  return out;
}

std::string wire_of(const std::vector<std::string>& payloads) {
  std::string wire;
  for (const auto& p : payloads) REQUIRE(append_pkt(wire, p));
  append_flush(wire);
  return wire;
}

}  // namespace

TEST_CASE("pkt-line encoder writes a four-hex-digit length that counts header, payload and LF", "[pkt_line]") {
  std::string out;
  REQUIRE(append_pkt(out, "hello"));
  CHECK(out == "000ahello\n");
  append_flush(out);
  CHECK(out == "000ahello\n0000");
  std::string empty;
  REQUIRE(append_pkt(empty, ""));
  CHECK(empty == "0005\n");
}

TEST_CASE("pkt-line payloads round trip through the decoder, flushes included", "[pkt_line]") {
  const std::vector<std::string> payloads = {"version 1", "", "with spaces and = signs", "ends with LF\n",
                                             std::string("nul\0inside", 10), std::string(1000, 'x')};
  PktDecoder decoder;
  auto packets = decode_all(decoder, wire_of(payloads));
  REQUIRE(packets.size() == payloads.size() + 1);
  for (size_t i = 0; i < payloads.size(); ++i) {
    INFO("packet " << i);
    CHECK_FALSE(packets[i].flush);
    CHECK(packets[i].payload == payloads[i]);
  }
  CHECK(packets.back().flush);
  CHECK(packets.back().payload.empty());
  CHECK(decoder.pending() == 0);
  CHECK(decoder.error().empty());
}

TEST_CASE("pkt-line encoder accepts the largest payload and refuses one byte more", "[pkt_line]") {
  const std::string largest(kMaxPktPayload - 1, 'a');  // + LF = kMaxPktPayload
  std::string out;
  REQUIRE(append_pkt(out, largest));
  CHECK(out.size() == kMaxPktLength);
  CHECK(out.substr(0, 4) == "fff0");

  std::string refused = "prefix";
  CHECK_FALSE(append_pkt(refused, largest + "a"));
  CHECK(refused == "prefix");  // nothing appended

  PktDecoder decoder;
  auto packets = decode_all(decoder, out);
  REQUIRE(packets.size() == 1);
  CHECK(packets[0].payload == largest);
}

TEST_CASE("pkt-line decoder yields the same packets when input is split at every byte boundary", "[pkt_line]") {
  const std::vector<std::string> payloads = {"command pre-receive", "repo /srv/git/a.git", "", "x"};
  const std::string wire = wire_of(payloads) + wire_of({"second section"});
  for (size_t split = 0; split <= wire.size(); ++split) {
    INFO("split at " << split);
    PktDecoder decoder;
    std::vector<Pkt> packets;
    REQUIRE(decoder.feed(std::string_view(wire).substr(0, split)));
    while (auto pkt = decoder.next()) packets.push_back(std::move(*pkt));
    REQUIRE(decoder.feed(std::string_view(wire).substr(split)));
    while (auto pkt = decoder.next()) packets.push_back(std::move(*pkt));
    REQUIRE(packets.size() == 7);
    for (size_t i = 0; i < payloads.size(); ++i) CHECK(packets[i].payload == payloads[i]);
    CHECK(packets[4].flush);
    CHECK(packets[5].payload == "second section");
    CHECK(packets[6].flush);
    CHECK(decoder.pending() == 0);
  }
}

TEST_CASE("pkt-line decoder delivers packets fed one byte at a time", "[pkt_line]") {
  const std::string wire = wire_of({"alpha", "beta"});
  PktDecoder decoder;
  std::vector<Pkt> packets;
  for (char c : wire) {
    REQUIRE(decoder.feed(std::string_view(&c, 1)));
    while (auto pkt = decoder.next()) packets.push_back(std::move(*pkt));
  }
  REQUIRE(packets.size() == 3);
  CHECK(packets[0].payload == "alpha");
  CHECK(packets[1].payload == "beta");
  CHECK(packets[2].flush);
}

TEST_CASE("pkt-line decoder holds a truncated packet back without error", "[pkt_line]") {
  const std::string wire = "000ahello\n";
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    INFO("first " << cut << " bytes");
    PktDecoder decoder;
    REQUIRE(decoder.feed(std::string_view(wire).substr(0, cut)));
    CHECK_FALSE(decoder.next().has_value());
    CHECK(decoder.pending() == cut);
    CHECK(decoder.error().empty());
  }
}

TEST_CASE("pkt-line decoder rejects malformed headers", "[pkt_line]") {
  struct Case {
    const char* header;
    const char* error_part;
  };
  const std::vector<Case> cases = {
      {"0001", "length 1 is below 4"},
      {"0002", "length 2 is below 4"},
      {"0003", "length 3 is below 4"},
      {"00g0", "not four hex digits"},
      {"zzzz", "not four hex digits"},
      {" 00a", "not four hex digits"},
      {"-001", "not four hex digits"},
      {"fff1", "65521 bytes exceeds the limit of 65520"},
      {"ffff", "65535 bytes exceeds the limit of 65520"},
  };
  for (const auto& c : cases) {
    INFO("header " << c.header);
    PktDecoder decoder;
    CHECK_FALSE(decoder.feed(std::string(c.header) + "payload"));
    CHECK_THAT(decoder.error(), Catch::Contains(c.error_part));
    CHECK_FALSE(decoder.next().has_value());
    // The error is sticky: later bytes are refused too.
    CHECK_FALSE(decoder.feed("0000"));
    CHECK_FALSE(decoder.next().has_value());
  }
}

TEST_CASE("pkt-line decoder accepts the exact maximum length header", "[pkt_line]") {
  PktDecoder decoder;
  CHECK(decoder.feed("fff0"));
  CHECK(decoder.error().empty());
  CHECK_FALSE(decoder.next().has_value());  // waits for the payload
}

TEST_CASE("pkt-line decoder reports a bad header that follows good packets only when it reaches it", "[pkt_line]") {
  PktDecoder decoder;
  REQUIRE(decoder.feed("0008good"));
  REQUIRE(decoder.feed("00x1"));  // second header is not checked until the first packet is taken
  auto first = decoder.next();
  REQUIRE(first);
  CHECK(first->payload == "good");
  CHECK_FALSE(decoder.next().has_value());
  CHECK_THAT(decoder.error(), Catch::Contains("not four hex digits"));
}

TEST_CASE("pkt-line decoder treats 0004 as an empty data packet, not a flush", "[pkt_line]") {
  PktDecoder decoder;
  auto packets = decode_all(decoder, "00040000");
  REQUIRE(packets.size() == 2);
  CHECK_FALSE(packets[0].flush);
  CHECK(packets[0].payload.empty());
  CHECK(packets[1].flush);
}

TEST_CASE("pkt-line decoder accepts upper-case hex lengths", "[pkt_line]") {
  PktDecoder decoder;
  auto packets = decode_all(decoder, "000Aabcdef");
  REQUIRE(packets.size() == 1);
  CHECK(packets[0].payload == "abcdef");
}

TEST_CASE("pkt-line decoder keeps working across many packets fed in odd-sized chunks", "[pkt_line]") {
  // Enough bytes to pass the decoder's compaction threshold several times,
  // with a packet always half-received when a chunk ends.
  const std::string payload(1000, 'p');
  std::string wire;
  for (int i = 0; i < 300; ++i) REQUIRE(append_pkt(wire, payload + std::to_string(i)));
  append_flush(wire);
  PktDecoder decoder;
  size_t received = 0;
  bool flushed = false;
  for (size_t at = 0; at < wire.size(); at += 777) {
    REQUIRE(decoder.feed(std::string_view(wire).substr(at, 777)));
    while (auto pkt = decoder.next()) {
      if (pkt->flush) {
        flushed = true;
        continue;
      }
      CHECK(pkt->payload == payload + std::to_string(received));
      ++received;
    }
  }
  CHECK(received == 300);
  CHECK(flushed);
  CHECK(decoder.pending() == 0);
}
