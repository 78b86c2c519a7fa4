// The daemon's first contact with a socket: pkt-line framing, then the
// request parser. Input: one byte choosing how the stream is split, then the
// stream. Properties: the split never changes the packets; a request the
// parser accepts is valid and survives encode_request -> decode -> parse.
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "ipc/request.h"
#include "pkt_decode.h"

namespace {

using refguard::ipc::Pkt;
using refguard::ipc::Request;
using refguard::ipc::RequestParser;

struct Parsed {
  RequestParser::State state = RequestParser::State::kNeedMore;
  Request request;
};

Parsed parse(const std::vector<Pkt>& packets) {
  RequestParser parser;
  Parsed out;
  for (const auto& pkt : packets) {
    out.state = parser.consume(pkt);
    if (out.state != RequestParser::State::kNeedMore) break;
  }
  if (out.state == RequestParser::State::kError) FUZZ_CHECK(!parser.error().empty(), "an error has a message");
  out.request = parser.take_request();
  return out;
}

void check_valid(const Request& request) {
  FUZZ_CHECK(request.command == "pre-receive" || request.command == "post-receive" || request.command == "status",
             "known command");
  FUZZ_CHECK(request.command == "status" || (!request.repo_path.empty() && request.repo_path.front() == '/'),
             "absolute repo path");
  FUZZ_CHECK(request.push_options.size() <= refguard::ipc::kMaxPushOptions, "push option limit");
  for (const auto& update : request.updates) {
    FUZZ_CHECK(refguard::ipc::is_valid_oid(update.old_oid) && refguard::ipc::is_valid_oid(update.new_oid), "valid oids");
    FUZZ_CHECK(refguard::ipc::is_valid_ref_name(update.ref_name), "valid ref name");
  }
}

bool same_request(const Request& a, const Request& b) {
  if (a.command != b.command || a.repo_path != b.repo_path || a.env != b.env || a.push_options != b.push_options ||
      a.pusher != b.pusher || a.pusher_source != b.pusher_source || a.updates.size() != b.updates.size())
    return false;
  for (size_t i = 0; i < a.updates.size(); ++i)
    if (a.updates[i].old_oid != b.updates[i].old_oid || a.updates[i].new_oid != b.updates[i].new_oid ||
        a.updates[i].ref_name != b.updates[i].ref_name)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = refguard::fuzz::decode_pkts(stream, 0);
  const auto split = refguard::fuzz::decode_pkts(stream, data[0]);
  FUZZ_CHECK(refguard::fuzz::same_packets(whole.packets, split.packets), "chunking does not change the packets");
  FUZZ_CHECK(whole.failed == split.failed && whole.pending == split.pending, "chunking does not change the outcome");

  // The hook's own line parser sees raw stdin lines; give it each payload too.
  for (const auto& pkt : whole.packets) {
    if (auto update = refguard::ipc::parse_ref_update_line(pkt.payload)) {
      FUZZ_CHECK(refguard::ipc::is_valid_ref_name(update->ref_name), "parsed ref name is valid");
    } else {
      FUZZ_CHECK(!update.error().message.empty(), "a rejected update line has a reason");
    }
  }

  const Parsed parsed = parse(whole.packets);
  if (parsed.state != RequestParser::State::kDone) return 0;
  check_valid(parsed.request);
  const auto encoded = refguard::ipc::encode_request(parsed.request);
  if (!encoded) return 0;  // a field at the very pkt-line limit cannot take the LF back
  const auto again = refguard::fuzz::decode_pkts(*encoded, 0);
  FUZZ_CHECK(!again.failed && again.pending == 0, "an encoded request decodes cleanly");
  const Parsed reparsed = parse(again.packets);
  FUZZ_CHECK(reparsed.state == RequestParser::State::kDone, "an encoded request parses");
  FUZZ_CHECK(same_request(parsed.request, reparsed.request), "encode -> parse round trip");
  return 0;
}
