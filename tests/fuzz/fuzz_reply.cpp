// The hook reading the daemon's reply: pkt-line framing, then the reply
// parser. Input: one split-seed byte, then the stream. Properties: the split
// never changes the packets; an ended reply has exactly one verdict; the
// accepted lines survive append_reply_line -> decode -> parse.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "ipc/reply.h"
#include "pkt_decode.h"

namespace {

using refguard::ipc::ReplyLine;
using refguard::ipc::ReplyParser;
using refguard::ipc::Verdict;

struct Parsed {
  std::vector<ReplyLine> lines;
  std::optional<Verdict> verdict;
  bool ended = false;
  bool failed = false;
};

Parsed parse(const std::vector<refguard::ipc::Pkt>& packets) {
  ReplyParser parser;
  Parsed out;
  for (const auto& pkt : packets) {
    auto event = parser.consume(pkt);
    if (!event) {
      FUZZ_CHECK(!parser.error().empty(), "a rejected packet has a reason");
      out.failed = true;
      break;
    }
    FUZZ_CHECK(!out.ended, "nothing is accepted after the end");
    if (event->line) out.lines.push_back(*event->line);
    if (event->verdict) {
      FUZZ_CHECK(!out.verdict, "one verdict only");
      out.verdict = event->verdict;
    }
    if (event->end) {
      FUZZ_CHECK(out.verdict.has_value(), "the end follows a verdict");
      out.ended = true;
    }
  }
  FUZZ_CHECK(parser.verdict() == out.verdict, "verdict() reports the verdict seen");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = refguard::fuzz::decode_pkts(stream, 0);
  const auto split = refguard::fuzz::decode_pkts(stream, data[0]);
  FUZZ_CHECK(refguard::fuzz::same_packets(whole.packets, split.packets), "chunking does not change the packets");
  const Parsed parsed = parse(whole.packets);

  // What the daemon would send for the same lines must read back the same
  // (append_reply_line may cut a line at the packet limit; compare prefixes).
  std::string encoded;
  for (const auto& line : parsed.lines) refguard::ipc::append_reply_line(encoded, line.kind, line.text);
  if (parsed.verdict) refguard::ipc::append_verdict(encoded, *parsed.verdict);
  const auto again = refguard::fuzz::decode_pkts(encoded, 0);
  FUZZ_CHECK(!again.failed && again.pending == 0, "an encoded reply decodes cleanly");
  const Parsed reparsed = parse(again.packets);
  FUZZ_CHECK(!reparsed.failed, "an encoded reply parses");
  FUZZ_CHECK(reparsed.lines.size() == parsed.lines.size(), "same number of lines");
  for (size_t i = 0; i < parsed.lines.size(); ++i) {
    FUZZ_CHECK(reparsed.lines[i].kind == parsed.lines[i].kind, "same line kind");
    FUZZ_CHECK(parsed.lines[i].text.starts_with(reparsed.lines[i].text), "line text kept or cut, never changed");
  }
  FUZZ_CHECK(reparsed.verdict == parsed.verdict && reparsed.ended == parsed.verdict.has_value(), "same verdict");
  return 0;
}
