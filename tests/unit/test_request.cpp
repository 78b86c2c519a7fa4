#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ipc/pkt_line.h"
#include "ipc/request.h"

using namespace refguard::ipc;

namespace {

const std::string kOld(40, 'a');
const std::string kNew = "0123456789abcdef0123456789abcdef01234567";
const std::string kZero(40, '0');

struct Parsed {
  RequestParser::State state = RequestParser::State::kNeedMore;
  Request request;
  std::string error;
  size_t packets_consumed = 0;
};

// Decodes `wire` and feeds every packet to a parser, stopping at the first
// state other than kNeedMore unless `keep_feeding`.
Parsed parse_wire(const std::string& wire, bool keep_feeding = false) {
  PktDecoder decoder;
  REQUIRE(decoder.feed(wire));
  RequestParser parser;
  Parsed out;
  while (auto pkt = decoder.next()) {
    out.state = parser.consume(*pkt);
    ++out.packets_consumed;
    if (out.state != RequestParser::State::kNeedMore && !keep_feeding) break;
  }
  out.error = parser.error();
  out.request = parser.take_request();
  return out;
}

// Builds a wire message from lines; "" stands for a flush packet.
std::string wire_of(const std::vector<std::string>& lines) {
  std::string wire;
  for (const auto& line : lines) {
    if (line.empty()) append_flush(wire);
    else REQUIRE(append_pkt(wire, line));
  }
  return wire;
}

std::string update_line(const std::string& old_oid, const std::string& new_oid, const std::string& ref) {
  return "update " + old_oid + " " + new_oid + " " + ref;
}

// A valid request's lines with `header` between the command/repo and the flush.
std::vector<std::string> with_header(const std::vector<std::string>& header) {
  std::vector<std::string> lines = {"version 1", "command pre-receive", "repo /srv/git/project.git"};
  lines.insert(lines.end(), header.begin(), header.end());
  lines.push_back("");
  lines.push_back(update_line(kOld, kNew, "refs/heads/main"));
  lines.push_back("");
  return lines;
}

}  // namespace

TEST_CASE("request round trips through encode and parse with every field", "[request]") {
  Request request;
  request.command = "pre-receive";
  request.repo_path = "/srv/git/project.git";
  request.env = {{"GIT_QUARANTINE_PATH", "/srv/git/project.git/objects/tmp_objdir-incoming-x"},
                 {"GIT_OBJECT_DIRECTORY", "/q/objects"},
                 {"GIT_ALTERNATE_OBJECT_DIRECTORIES", "/a:/b with space"}};
  request.push_options = {"refguard.allow=7d294fbb", "ci.skip", "value with = and spaces"};
  request.pusher = "alice smith";
  request.pusher_source = "GL_USERNAME";
  request.updates = {{kZero, kNew, "refs/heads/feature/x"},
                     {kOld, kNew, "refs/heads/main"},
                     {kOld, kZero, "refs/tags/v1.0"},
                     {std::string(64, 'b'), std::string(64, 'c'), "refs/heads/sha256"}};

  auto wire = encode_request(request);
  REQUIRE(wire);
  auto parsed = parse_wire(*wire);
  REQUIRE(parsed.state == RequestParser::State::kDone);
  CHECK(parsed.error.empty());
  const Request& got = parsed.request;
  CHECK(got.command == request.command);
  CHECK(got.repo_path == request.repo_path);
  CHECK(got.env == request.env);
  CHECK(got.push_options == request.push_options);
  CHECK(got.pusher == request.pusher);
  CHECK(got.pusher_source == request.pusher_source);
  REQUIRE(got.updates.size() == request.updates.size());
  for (size_t i = 0; i < got.updates.size(); ++i) {
    CHECK(got.updates[i].old_oid == request.updates[i].old_oid);
    CHECK(got.updates[i].new_oid == request.updates[i].new_oid);
    CHECK(got.updates[i].ref_name == request.updates[i].ref_name);
  }
  CHECK(got.updates[0].is_create());
  CHECK_FALSE(got.updates[0].is_delete());
  CHECK(got.updates[2].is_delete());
  CHECK_FALSE(got.updates[1].is_create());
  CHECK(got.env_value("GIT_OBJECT_DIRECTORY") == std::optional<std::string>("/q/objects"));
  CHECK_FALSE(got.env_value("PATH").has_value());
}

TEST_CASE("request parser accepts a status request without repo and without updates", "[request]") {
  auto parsed = parse_wire(wire_of({"version 1", "command status", "", ""}));
  CHECK(parsed.state == RequestParser::State::kDone);
  CHECK(parsed.request.command == "status");
  CHECK(parsed.request.updates.empty());
}

TEST_CASE("request encoder refuses a field longer than a pkt-line", "[request]") {
  Request request;
  request.command = "pre-receive";
  request.repo_path = "/" + std::string(kMaxPktPayload, 'r');
  auto wire = encode_request(request);
  REQUIRE_FALSE(wire);
  CHECK_THAT(wire.error().message, Catch::Contains("longer than a pkt-line"));
}

TEST_CASE("request parser rejects malformed requests", "[request]") {
  struct Case {
    const char* name;
    std::vector<std::string> lines;
    const char* error_part;
  };
  const std::string update = update_line(kOld, kNew, "refs/heads/main");
  const std::vector<Case> cases = {
      {"first packet is a flush", {""}, "first packet must be 'version N'"},
      {"first packet is not version", {"command pre-receive"}, "first packet must be 'version N'"},
      {"wrong version", {"version 2"}, "unsupported protocol version '2'"},
      {"version with junk", {"version 1x"}, "unsupported protocol version '1x'"},
      {"missing command", {"version 1", "repo /r", ""}, "request has no 'command'"},
      {"missing repo", {"version 1", "command pre-receive", ""}, "request has no 'repo'"},
      {"unknown command", {"version 1", "command rm-rf"}, "unknown command 'rm-rf'"},
      {"relative repo", {"version 1", "command pre-receive", "repo srv/git"}, "'repo' must be an absolute path"},
      {"update before end of header", {"version 1", "command pre-receive", "repo /r", update},
       "'update' before the end of the header"},
      {"header after updates", {"version 1", "command pre-receive", "repo /r", "", update, "repo /other"},
       "expected 'update' or flush after the header"},
      {"duplicate command", {"version 1", "command pre-receive", "command post-receive"}, "duplicate 'command'"},
      {"duplicate repo", {"version 1", "command pre-receive", "repo /a", "repo /b"}, "duplicate 'repo'"},
      {"duplicate env", {"version 1", "env GIT_QUARANTINE_PATH=/a", "env GIT_QUARANTINE_PATH=/b"},
       "duplicate env GIT_QUARANTINE_PATH"},
      {"duplicate pusher", {"version 1", "pusher REMOTE_USER=a", "pusher GL_ID=b"}, "duplicate 'pusher'"},
      {"env not whitelisted", {"version 1", "command pre-receive", "env HTTP_AUTHORIZATION=Basic eDp5"},
       "environment variable 'HTTP_AUTHORIZATION' is not accepted"},
      {"env without value", {"version 1", "env GIT_QUARANTINE_PATH"}, "is not accepted"},
      {"pusher from an unknown variable", {"version 1", "pusher USER=mallory"},
       "pusher must come from one of the known server variables"},
      {"pusher without a variable", {"version 1", "pusher mallory"}, "pusher must come from"},
      {"empty pusher name", {"version 1", "pusher REMOTE_USER="}, "empty pusher name"},
      {"unknown header", {"version 1", "color blue"}, "unknown header 'color'"},
      {"header without value", {"version 1", "command"}, "malformed header line"},
      {"header with empty key", {"version 1", " pre-receive"}, "malformed header line"},
      {"control character in a header", {"version 1", "repo /a\x1b[31m"}, "control character in 'repo'"},
      {"invalid update line", {"version 1", "command pre-receive", "repo /r", "", "update nonsense"},
       "ref update must be"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto parsed = parse_wire(wire_of(c.lines));
    CHECK(parsed.state == RequestParser::State::kError);
    CHECK_THAT(parsed.error, Catch::Contains("protocol error") && Catch::Contains(c.error_part));
  }
}

TEST_CASE("request parser accepts each known pusher variable and forwarded env variable", "[request]") {
  for (auto source : kPusherVariables) {
    INFO(source);
    auto parsed = parse_wire(wire_of(with_header({"pusher " + std::string(source) + "=bob"})));
    REQUIRE(parsed.state == RequestParser::State::kDone);
    CHECK(parsed.request.pusher == "bob");
    CHECK(parsed.request.pusher_source == source);
  }
  for (auto name : kForwardedEnv) {
    INFO(name);
    auto parsed = parse_wire(wire_of(with_header({"env " + std::string(name) + "=/x=y"})));
    REQUIRE(parsed.state == RequestParser::State::kDone);
    CHECK(parsed.request.env_value(name) == std::optional<std::string>("/x=y"));
  }
}

TEST_CASE("request parser rejects update lines with invalid object ids", "[request]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string(39, 'a'), kNew},                   // too short
      {std::string(41, 'a'), kNew},                   // too long
      {std::string(40, 'A'), kNew},                   // upper case
      {std::string(39, 'a') + "g", kNew},             // not hex
      {kOld, std::string(64, 'b')},                   // SHA-1 next to SHA-256
      {"", kNew},                                     // empty
  };
  for (const auto& [old_oid, new_oid] : cases) {
    INFO(old_oid << " " << new_oid);
    auto parsed = parse_wire(wire_of({"version 1", "command pre-receive", "repo /r", "",
                                      update_line(old_oid, new_oid, "refs/heads/main"), ""}));
    CHECK(parsed.state == RequestParser::State::kError);
    CHECK_THAT(parsed.error, Catch::Contains("invalid object id"));
  }
}

TEST_CASE("request parser rejects update lines with invalid ref names", "[request]") {
  const std::vector<std::string> bad_refs = {
      "main",          "HEAD",           "refs/",          "refs/heads/a..b", "refs/heads//a",
      "refs/heads/a@{1}", "refs/heads/.hidden", "refs/heads/a\\b", "refs/heads/a b", "refs/heads/a~1",
      "refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[",
      "refs/heads/a/",  "refs/heads/a.",  "refs/heads/a.lock", std::string("refs/heads/a\x7f"),
      "refs/heads/" + std::string(5000, 'x'),
  };
  for (const auto& ref : bad_refs) {
    INFO(ref.substr(0, 40));
    CHECK_FALSE(is_valid_ref_name(ref));
    auto parsed = parse_wire(wire_of({"version 1", "command pre-receive", "repo /r", "", update_line(kOld, kNew, ref), ""}));
    CHECK(parsed.state == RequestParser::State::kError);
    CHECK_THAT(parsed.error, Catch::Contains("invalid ref name"));
  }
  for (std::string ref : {"refs/heads/main", "refs/tags/v1.0.2", "refs/heads/feature/x-y_z", "refs/notes/refguard",
                          "refs/heads/a.b"}) {
    INFO(ref);
    CHECK(is_valid_ref_name(ref));
  }
}

TEST_CASE("ref update line parsing", "[request]") {
  struct Case {
    std::string line;
    bool ok;
    const char* error_part;  // when not ok
  };
  const std::vector<Case> cases = {
      {kOld + " " + kNew + " refs/heads/main", true, ""},
      {kOld + " " + kNew + " refs/heads/main\n", true, ""},  // hook stdin keeps its LF
      {kZero + " " + kNew + " refs/heads/new", true, ""},
      {kOld + " " + kZero + " refs/heads/gone", true, ""},
      {"", false, "must be '<old-oid> <new-oid> <refname>'"},
      {kOld, false, "must be '<old-oid> <new-oid> <refname>'"},
      {kOld + " " + kNew, false, "must be '<old-oid> <new-oid> <refname>'"},
      {kOld + "  " + kNew + " refs/heads/main", false, "invalid object id"},
      {kOld + " " + kNew + " refs/heads/main extra", false, "invalid ref name"},
      {kOld + " " + kNew + " ", false, "invalid ref name"},
      {kOld + "\t" + kNew + "\trefs/heads/main", false, "must be '<old-oid> <new-oid> <refname>'"},
  };
  for (const auto& c : cases) {
    INFO("line: " << c.line);
    auto update = parse_ref_update_line(c.line);
    REQUIRE(update.has_value() == c.ok);
    if (c.ok) {
      CHECK(update->old_oid.size() == 40);
      CHECK(update->new_oid.size() == 40);
      CHECK(update->ref_name.rfind("refs/heads/", 0) == 0);
      CHECK(update->ref_name.back() != '\n');
    } else {
      CHECK_THAT(update.error().message, Catch::Contains(c.error_part));
    }
  }
  auto update = parse_ref_update_line(kOld + " " + kNew + " refs/heads/main");
  REQUIRE(update);
  CHECK(update->old_oid == kOld);
  CHECK(update->new_oid == kNew);
  CHECK(update->ref_name == "refs/heads/main");
}

TEST_CASE("request parser accepts kMaxUpdates updates and rejects one more", "[request]") {
  std::string head = wire_of({"version 1", "command pre-receive", "repo /r", ""});
  std::string line;
  REQUIRE(append_pkt(line, update_line(kOld, kNew, "refs/heads/main")));
  std::string updates;
  updates.reserve(line.size() * (kMaxUpdates + 1));
  for (size_t i = 0; i < kMaxUpdates; ++i) updates += line;

  auto at_limit = parse_wire(head + updates + "0000");
  CHECK(at_limit.state == RequestParser::State::kDone);
  CHECK(at_limit.request.updates.size() == kMaxUpdates);

  auto over = parse_wire(head + updates + line + "0000");
  CHECK(over.state == RequestParser::State::kError);
  CHECK_THAT(over.error, Catch::Contains("more than " + std::to_string(kMaxUpdates) + " ref updates"));
}

TEST_CASE("request parser rejects more than kMaxPushOptions push options", "[request]") {
  std::vector<std::string> options;
  for (size_t i = 0; i <= kMaxPushOptions; ++i) options.push_back("push-option o" + std::to_string(i));
  auto parsed = parse_wire(wire_of(with_header(options)));
  CHECK(parsed.state == RequestParser::State::kError);
  CHECK_THAT(parsed.error, Catch::Contains("more than " + std::to_string(kMaxPushOptions) + " push options"));

  options.pop_back();
  auto at_limit = parse_wire(wire_of(with_header(options)));
  CHECK(at_limit.state == RequestParser::State::kDone);
  CHECK(at_limit.request.push_options.size() == kMaxPushOptions);
}

TEST_CASE("request parser rejects data after the end of the request", "[request]") {
  auto lines = with_header({});
  lines.push_back("version 1");
  auto parsed = parse_wire(wire_of(lines), /*keep_feeding=*/true);
  CHECK(parsed.state == RequestParser::State::kError);
  CHECK_THAT(parsed.error, Catch::Contains("data after the end of the request"));

  // A flush after the end counts as data too.
  auto flushed = parse_wire(wire_of(with_header({})) + "0000", true);
  CHECK(flushed.state == RequestParser::State::kError);
  CHECK_THAT(flushed.error, Catch::Contains("data after the end"));
}

TEST_CASE("request parser stays in error after the first failure", "[request]") {
  RequestParser parser;
  CHECK(parser.consume(Pkt{false, "version 9"}) == RequestParser::State::kError);
  std::string first = parser.error();
  CHECK(parser.consume(Pkt{false, "version 1"}) == RequestParser::State::kError);
  CHECK(parser.error() == first);
}
