// The pickle opcode scanner on hand-written opcode streams: which globals it
// finds (through the memo, escapes and every call opcode), which streams it
// rejects and where, and that declared lengths and counts never turn into
// allocations or unbounded work.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#define ZLIB_CONST
#include <zlib.h>

#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/inflate_stream.h"
#include "detect/model/pickle_scanner.h"
#include "detect/model/stream_reader.h"

using namespace refguard::detect::model;
using namespace std::string_literals;

namespace {

PickleResult scan(std::string_view bytes, const PickleLimits& limits = {}, uint64_t budget = uint64_t{1} << 30) {
  MemorySource source(bytes);
  SourceStream stream(source);
  ScanBudget scan_budget{budget};
  StreamReader reader(stream, scan_budget);
  return scan_pickle(reader, limits);
}

std::vector<std::string> names(const PickleResult& result) {
  std::vector<std::string> out;
  for (const auto& global : result.globals) out.push_back(global.module + "." + global.name);
  return out;
}

std::string why(const PickleResult& result) { return result.error ? result.error->why : ""; }

std::string deflate(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()), data.size()) ==
          Z_OK);
  out.resize(size);
  return out;
}

}  // namespace

TEST_CASE("pickle scanner finds globals imported by every import opcode", "[model]") {
  struct Case {
    const char* name;
    std::string bytes;
    std::string global;
    bool called;
  };
  const Case cases[] = {
      {"GLOBAL + REDUCE (protocol 0)", "cos\nsystem\n(S'id'\ntR.", "os.system", true},
      {"INST", "(S'id'\nios\nsystem\n.", "os.system", true},
      {"OBJ", "(cos\nsystem\nS'id'\no.", "os.system", true},
      {"NEWOBJ", "\x80\x02" "csubprocess\nPopen\n)\x81.", "subprocess.Popen", true},
      {"NEWOBJ_EX", "\x80\x04\x8c\x03pkg\x8c\x01" "C\x93)}\x92.", "pkg.C", true},
      {"STACK_GLOBAL", "\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R.", "posix.system", true},
      {"STACK_GLOBAL through MEMOIZE and BINGET",
       "\x80\x04\x8c\x02os\x94\x8c\x06system\x94" "00h\x00h\x01\x93N\x85R."s, "os.system", true},
      {"STACK_GLOBAL through PUT and GET lines", "Vos\np1\n0Vsystem\np2\n0g1\ng2\n\x93.", "os.system", false},
      {"STACK_GLOBAL through LONG_BINPUT and LONG_BINGET",
       "\x80\x02X\x02\x00\x00\x00osr\x00\x01\x00\x00" "0X\x04\x00\x00\x00" "evalr\x05\x00\x00\x00" "0j\x00\x01\x00\x00j\x05\x00\x00\x00\x93."s,
       "os.eval", false},
      {"STRING escapes", "S'\\x6fs'\nS'sys\\164em'\n\x93.", "os.system", false},
      {"UNICODE escapes", "V\\u006fs\nVsystem\n\x93.", "os.system", false},
      {"SHORT_BINSTRING and BINSTRING", "U\x02osT\x06\x00\x00\x00system\x93."s, "os.system", false},
      {"BINUNICODE8", "\x80\x04\x8d\x02\x00\x00\x00\x00\x00\x00\x00os\x8d\x06\x00\x00\x00\x00\x00\x00\x00system\x93."s,
       "os.system", false},
      {"inside a FRAME", "\x80\x04\x95\x0e\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93."s, "os.system",
       false},
      {"DUP of a global", "\x80\x02" "cos\nsystem\n2" "0N\x85R."s, "os.system", true},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    PickleResult result = scan(c.bytes);
    CHECK(why(result).empty());
    REQUIRE(result.globals.size() == 1);
    CHECK(names(result)[0] == c.global);
    CHECK(result.globals[0].called == c.called);
  }
}

TEST_CASE("pickle scanner walks data-only opcodes of protocols 0 to 5 without findings", "[model]") {
  const std::string streams[] = {
      "(lp0\nI1\naI-2\naF2.5\naL12345678901234567890L\naS'a'\naV\\u00e9\na(I1\nI01\ntp1\na.",
      "\x80\x02}q\x00(X\x01\x00\x00\x00" "aq\x01K\x01X\x01\x00\x00\x00" "bq\x02M\x00\x01u\x8a\x01\xff\x88\x89N\x87q\x03."s,
      "\x80\x03" "C\x03" "abc" "B\x02\x00\x00\x00xyG?\xf0\x00\x00\x00\x00\x00\x00\x86\x8b\x02\x00\x00\x00\x01\x02\x85."s,
      "\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01K\x02\x90(K\x03\x91\x8e\x01\x00\x00\x00\x00\x00\x00\x00z\x87."s,
      "\x80\x05\x96\x02\x00\x00\x00\x00\x00\x00\x00" "ab\x97\x98\x86."s,
      "\x80\x02]q\x00(K\x01K\x02e}(K\x01K\x02dh\x00\x86" "1." "junk after STOP"s,
  };
  for (const auto& bytes : streams) {
    INFO(bytes);
    PickleResult result = scan(bytes);
    CHECK(why(result) == "");
    CHECK(result.globals.empty());
  }
}

TEST_CASE("pickle scanner stops after STOP and reports where it ended", "[model]") {
  PickleResult result = scan("\x80\x02K\x01.rest"s);
  CHECK(!result.error);
  CHECK(result.protocol == 2);
  CHECK(result.end == 5);
}

TEST_CASE("pickle scanner rejects malformed streams with a reason and a byte offset", "[model]") {
  struct Case {
    std::string bytes;
    std::string reason;
    uint64_t offset;
  };
  const Case cases[] = {
      {"", "the data ends", 0},
      {"\x80\x02K\x01", "the data ends", 4},
      {"\x80\x04\xff.", "unknown opcode 0xff", 2},
      {"\x80\x02R.", "stack underflow at REDUCE", 2},
      {"\x80\x02(R.", "stack underflow at REDUCE", 3},
      {"\x80\x02h\x05.", "memo index 5, which was never stored", 2},
      {"\x80\x02K\x01t.", "TUPLE without a MARK", 4},
      {"\x80\x02}(K\x01u.", "odd number of items for SETITEMS", 6},
      {"\x80\x06N.", "unsupported pickle protocol 6", 0},
      {"\x80\x04K\x01K\x02\x93.", "STACK_GLOBAL module is not a str", 6},
      {"T\xff\xff\xff\xff" "abc.", "negative byte count", 0},
      {"\x80\x04X\xff\xff\xff\x7f" "abc", "declares 2147483647 bytes but only 3 remain", 2},
      {"\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x80" "abc"s, "declares 9223372036854775808 bytes", 2},
      {"\x80\x04\x95\x00\x00\x00\x00\x00\x01\x00\x00N."s, "FRAME declares", 2},
      {"\x80\x02\x82\x00."s, "EXT specifies code <= 0", 2},
      {"cos\nsys", "the data ends inside GLOBAL", 0},
      {"S'unquoted\n.", "not quoted", 0},
      {"V\\u12\n.", "truncated \\uXXXX", 0},
      {"pxyz\n.", "PUT argument is not a memo index", 0},
      {"p1\n.", "stack underflow at PUT", 0},
      {"\x80\x02" "0.", "stack underflow at POP", 2},
      {"\x80\x02" "1.", "POP_MARK without a MARK", 2},
      {"\x80\x02(.", "stack underflow at STOP", 3},
  };
  for (const auto& c : cases) {
    INFO(c.bytes);
    PickleResult result = scan(c.bytes);
    REQUIRE(result.error);
    CHECK_THAT(result.error->why, Catch::Contains(c.reason));
    CHECK(result.error->offset == c.offset);
  }
}

TEST_CASE("pickle scanner pops a MARK with POP when nothing follows it, like CPython", "[model]") {
  CHECK(!scan("\x80\x02(0K\x01.").error);
}

TEST_CASE("pickle scanner bounds the stack, the memo, kept strings and the opcode count", "[model]") {
  SECTION("stack") {
    PickleLimits limits;
    limits.max_stack = 8;
    CHECK_THAT(why(scan(std::string(9, 'N') + ".", limits)), Catch::Contains("stack deeper than 8"));
  }
  SECTION("opcodes") {
    PickleLimits limits;
    limits.max_opcodes = 100;
    CHECK_THAT(why(scan(std::string(200, 'N') + ".", limits)), Catch::Contains("more than 100 opcodes"));
  }
  SECTION("marks") {
    PickleLimits limits;
    limits.max_marks = 4;
    CHECK_THAT(why(scan(std::string(5, '(') + "N.", limits)), Catch::Contains("nested MARKs"));
  }
  SECTION("a full memo drops entries; fetching one is then unknown, and STACK_GLOBAL on it fails closed") {
    PickleLimits limits;
    limits.max_memo = 1;
    PickleResult result = scan("\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93."s, limits);
    CHECK_THAT(why(result), Catch::Contains("STACK_GLOBAL name is not a str"));
  }
  SECTION("a str longer than the kept limit is a str of unknown text: STACK_GLOBAL fails closed") {
    PickleLimits limits;
    limits.max_kept_string = 4;
    PickleResult result = scan("\x80\x04\x8c\x02os\x8c\x06system\x93.", limits);
    CHECK_THAT(why(result), Catch::Contains("a str too long to inspect"));
  }
  SECTION("kept bytes") {
    PickleLimits limits;
    limits.max_kept_bytes = 64;
    PickleResult result = scan("\x80\x04\x8c\x02os\x8c\x06system\x93.", limits);
    CHECK_THAT(why(result), Catch::Contains("too long to inspect"));
  }
  SECTION("distinct globals") {
    PickleLimits limits;
    limits.max_globals = 2;
    CHECK_THAT(why(scan("ca\nb\ncc\nd\nce\nf\n.", limits)), Catch::Contains("more than 2 distinct globals"));
  }
  SECTION("global names longer than the kept limit") {
    PickleLimits limits;
    limits.max_kept_string = 8;
    CHECK_THAT(why(scan("cverylongmodulename\nx\n.", limits)), Catch::Contains("longer than 8 bytes"));
  }
}

TEST_CASE("pickle scanner skips large payloads without reading them into memory", "[model]") {
  // A 64 MiB BINBYTES8 payload: skipped by offset, so the budget is barely touched.
  std::string bytes = "\x80\x04\x8e"s + std::string("\x00\x00\x00\x04\x00\x00\x00\x00", 8);
  bytes += std::string(size_t{64} << 20, 'x');
  bytes += ".";
  PickleResult result = scan(bytes, {}, 1 << 20);
  CHECK(!result.error);
}

TEST_CASE("pickle scanner stops at max_scan_bytes and says so", "[model]") {
  std::string bytes = "\x80\x02(" + std::string(100000, 'N') + "t.";
  PickleResult result = scan(bytes, {}, 10000);
  REQUIRE(result.error);
  CHECK_THAT(result.error->why, Catch::Contains("max_scan_bytes"));
}

TEST_CASE("pickle scanner reads deflated pickles through InflateStream", "[model]") {
  std::string pickle = "\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R.";
  std::string compressed = deflate(pickle);
  MemorySource source(compressed);
  SourceStream raw(source);
  InflateStream inflated(raw, InflateFormat::kZlib);
  ScanBudget budget{1 << 20};
  StreamReader reader(inflated, budget);
  PickleResult result = scan_pickle(reader);
  CHECK(!result.error);
  REQUIRE(names(result) == std::vector<std::string>{"posix.system"});

  SECTION("truncated compressed data is a stream failure, not a silent end") {
    std::string cut = compressed.substr(0, compressed.size() / 2);
    MemorySource cut_source(cut);
    SourceStream cut_raw(cut_source);
    InflateStream cut_inflated(cut_raw, InflateFormat::kZlib);
    StreamReader cut_reader(cut_inflated, budget);
    PickleResult cut_result = scan_pickle(cut_reader);
    REQUIRE(cut_result.error);
    CHECK_THAT(cut_result.error->why, Catch::Contains("compressed data ends early"));
  }
}

TEST_CASE("pickle scanner stops a decompression bomb at max_scan_bytes", "[model]") {
  // 64 MiB of zeros in one BINBYTES8 compress to ~64 KiB; skipping them means inflating them.
  std::string pickle = "\x80\x04\x8e"s + std::string("\x00\x00\x00\x04\x00\x00\x00\x00", 8) +
                       std::string(size_t{64} << 20, '\0') + ".";
  std::string compressed = deflate(pickle);
  CHECK(compressed.size() < (size_t{1} << 20));
  MemorySource source(compressed);
  SourceStream raw(source);
  InflateStream inflated(raw, InflateFormat::kZlib);
  ScanBudget budget{4 << 20};
  StreamReader reader(inflated, budget);
  PickleResult result = scan_pickle(reader);
  REQUIRE(result.error);
  CHECK_THAT(result.error->why, Catch::Contains("max_scan_bytes was reached reading BINBYTES8"));
}
