#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ipc/pkt_line.h"
#include "ipc/reply.h"

using namespace refguard::ipc;

namespace {

std::vector<Pkt> decode(const std::string& wire) {
  PktDecoder decoder;
  REQUIRE(decoder.feed(wire));
  std::vector<Pkt> out;
  while (auto pkt = decoder.next()) out.push_back(std::move(*pkt));
  REQUIRE(decoder.pending() == 0);
  return out;
}

}  // namespace

TEST_CASE("reply round trips every line kind, the verdict and the closing flush", "[reply]") {
  const std::vector<std::pair<LineKind, std::string>> lines = {
      {LineKind::kInfo, "refguard: checking 3 commits"},
      {LineKind::kWarning, "refguard: WARN [x] something"},
      {LineKind::kError, "refguard: BLOCKED [openai-api-key] OpenAI API key"},
      {LineKind::kProgress, "scanned 10/20"},
      {LineKind::kData, "{\"json\": true}"},
      {LineKind::kInfo, ""},
  };
  for (Verdict verdict : {Verdict::kAccept, Verdict::kReject}) {
    INFO(to_string(verdict));
    std::string wire;
    for (const auto& [kind, text] : lines) append_reply_line(wire, kind, text);
    append_verdict(wire, verdict);

    ReplyParser parser;
    std::vector<ReplyEvent> events;
    for (const auto& pkt : decode(wire)) {
      auto event = parser.consume(pkt);
      REQUIRE(event);
      events.push_back(*event);
    }
    CHECK(parser.error().empty());
    REQUIRE(events.size() == lines.size() + 2);
    for (size_t i = 0; i < lines.size(); ++i) {
      REQUIRE(events[i].line);
      CHECK(events[i].line->kind == lines[i].first);
      CHECK(events[i].line->text == lines[i].second);
      CHECK_FALSE(events[i].verdict);
      CHECK_FALSE(events[i].end);
    }
    CHECK(events[lines.size()].verdict == verdict);
    CHECK_FALSE(events[lines.size()].end);
    CHECK(events.back().end);
    CHECK(parser.verdict() == verdict);
  }
}

TEST_CASE("reply line kinds and verdicts have their wire names", "[reply]") {
  CHECK(to_string(LineKind::kInfo) == "info");
  CHECK(to_string(LineKind::kWarning) == "warning");
  CHECK(to_string(LineKind::kError) == "error");
  CHECK(to_string(LineKind::kProgress) == "progress");
  CHECK(to_string(LineKind::kData) == "data");
  CHECK(to_string(Verdict::kAccept) == "accept");
  CHECK(to_string(Verdict::kReject) == "reject");
}

TEST_CASE("reply line longer than a packet is cut to fit one packet", "[reply]") {
  std::string wire;
  append_reply_line(wire, LineKind::kError, std::string(kMaxPktLength * 2, 'z'));
  append_verdict(wire, Verdict::kReject);
  auto packets = decode(wire);
  REQUIRE(packets.size() == 3);  // the line, the verdict, the flush: never two packets for one line
  CHECK(packets[0].payload.rfind("error zzz", 0) == 0);
  CHECK(packets[0].payload.size() + 1 <= kMaxPktPayload);
  ReplyParser parser;
  auto event = parser.consume(packets[0]);
  REQUIRE(event);
  REQUIRE(event->line);
  CHECK(event->line->text.size() > 60000);
}

TEST_CASE("reply parser rejects malformed replies", "[reply]") {
  struct Case {
    const char* name;
    std::vector<Pkt> packets;  // the last one must fail
    const char* error_part;
  };
  const std::vector<Case> cases = {
      {"flush without a verdict", {{false, "info hello"}, {true, ""}}, "reply ended without a verdict"},
      {"only a flush", {{true, ""}}, "reply ended without a verdict"},
      {"line after the verdict", {{false, "verdict accept"}, {false, "info late"}}, "data after its verdict"},
      {"second verdict", {{false, "verdict reject"}, {false, "verdict accept"}}, "data after its verdict"},
      {"packet after the end", {{false, "verdict accept"}, {true, ""}, {false, "info x"}}, "continues after its end"},
      {"flush after the end", {{false, "verdict accept"}, {true, ""}, {true, ""}}, "continues after its end"},
      {"unknown verdict", {{false, "verdict maybe"}}, "unknown reply line 'verdict maybe'"},
      {"unknown kind", {{false, "shout HELLO"}}, "unknown reply line 'shout HELLO'"},
      {"kind without a space", {{false, "infohello"}}, "unknown reply line"},
      {"kind alone", {{false, "info"}}, "unknown reply line"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    ReplyParser parser;
    for (size_t i = 0; i + 1 < c.packets.size(); ++i) REQUIRE(parser.consume(c.packets[i]));
    CHECK_FALSE(parser.consume(c.packets.back()));
    CHECK_THAT(parser.error(), Catch::Contains(c.error_part));
    // The parser stays failed.
    CHECK_FALSE(parser.consume(Pkt{false, "info again"}));
  }
}

TEST_CASE("reply parser keeps the first verdict when later data is refused", "[reply]") {
  ReplyParser parser;
  REQUIRE(parser.consume(Pkt{false, "verdict reject"}));
  CHECK_FALSE(parser.consume(Pkt{false, "verdict accept"}));
  CHECK(parser.verdict() == Verdict::kReject);
}
