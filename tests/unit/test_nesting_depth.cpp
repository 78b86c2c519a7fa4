// The depth pre-passes that keep hostile nesting away from recursive parsers
// and tree walks (issue 15, item 1), and the parsers that use them: JSON(C),
// notebooks, TOML policies and pickles, each with a depth bomb of the size
// that crashed the daemon, run on a thread with a small stack like a worker's.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include <pthread.h>

#include "detect/agent_config/jsonc.h"
#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/pickle_scanner.h"
#include "detect/model/stream_reader.h"
#include "detect/notebook.h"
#include "policy/policy_layer.h"
#include "util/nesting_depth.h"

using namespace refguard;

namespace {

std::string repeat(std::string_view part, size_t count) {
  std::string out;
  out.reserve(part.size() * count);
  for (size_t i = 0; i < count; ++i) out += part;
  return out;
}

// Runs `body` on a thread with a 512 KiB stack: a depth bomb that slips
// through overflows it at once instead of passing on main's 8 MiB.
void on_small_stack(std::function<void()> body) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 512 * 1024);
  pthread_t thread;
  auto run = [](void* f) -> void* {
    (*static_cast<std::function<void()>*>(f))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attributes, run, &body) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
}

}  // namespace

TEST_CASE("json nesting depth: brackets in strings and comments do not count", "[nesting]") {
  struct Row {
    std::string text;
    size_t depth;
  };
  for (const Row& row : std::vector<Row>{
           {"{}", 1},
           {"[[[]]]", 3},
           {R"({"a": "[[[[", "b": [1, {"c": []}]})", 4},
           {R"({"a\"[[": 1})", 1},
           {R"({"a\\": [[1]]})", 3},            // an escaped backslash does not escape the quote
           {R"({"a\\\"[": [1]})", 2},          // three: the quote is escaped
           {R"(["\\\\", ["\"\\"]])", 2},
           {R"(["unterminated [[)", 1},
           {"// [[[[\n[ /* {{{{ */ ]", 1},
           {"[[[", 3},
           {"]]]", 0},
           {"", 0},
       }) {
    INFO(row.text);
    CHECK(json_nesting_depth(row.text, 100) == row.depth);
  }
  CHECK(json_nesting_depth(repeat("[", 300000), 256) == 257);  // stops counting past the limit
}

TEST_CASE("toml nesting depth counts headers, dotted keys and arrays together", "[nesting]") {
  struct Row {
    std::string text;
    size_t depth;
  };
  for (const Row& row : std::vector<Row>{
           {"a = 1\n", 0},
           {"[settings]\nx = 1.5\n", 1},
           {"[[rule]]\nid = \"a.b.c.d\"\n[rule.detector]\npattern = '''[[[{{{a.b'''\n", 2},
           {"[a.b.c]\nd.e = 1\n", 4},
           {"x = [[1, 2], [3]]\n", 2},
           {"x = {a.b = {c = 1}}\n", 3},
           {"# [a.b.c.d]\nx = \"[[[\"\n", 0},
       }) {
    INFO(row.text);
    CHECK(toml_nesting_depth(row.text, 100) >= row.depth);
    CHECK(toml_nesting_depth(row.text, 100) <= row.depth + 1);
  }
}

TEST_CASE("jsonc refuses a depth bomb before parsing, on a small stack", "[nesting]") {
  on_small_stack([] {
    std::string bomb = "{\"x\": " + repeat("[ ", 300000) + repeat(" ]", 300000) + ", \"mcpServers\": {}}";
    auto parsed = detect::agent_config::parse_jsonc(bomb);
    CHECK_FALSE(parsed.has_value());
    if (!parsed) CHECK(parsed.error().too_deep);
    auto objects = detect::agent_config::parse_jsonc(repeat("{\"a\":", 200000) + "1" + repeat("}", 200000));
    CHECK_FALSE(objects.has_value());
    auto fine = detect::agent_config::parse_jsonc(repeat("[", 200) + repeat("]", 200));
    CHECK(fine.has_value());
  });
}

TEST_CASE("a notebook nested too deeply is refused, on a small stack", "[nesting]") {
  on_small_stack([] {
    std::string bomb = R"({"cells": [], "metadata": )" + repeat("[", 300000) + repeat("]", 300000) + "}";
    auto chunks = detect::parse_notebook(bomb);
    CHECK_FALSE(chunks.has_value());
    CHECK_FALSE(detect::notebook_has_outputs(bomb));
  });
}

TEST_CASE("a policy nested too deeply is refused, on a small stack", "[nesting]") {
  on_small_stack([] {
    std::string keys = "a";
    for (int i = 0; i < 100000; ++i) keys += ".a";
    policy::PolicySpec spec;
    auto applied = policy::apply_layer(spec, "version = 1\n[" + keys + "]\nx = 1\n", ".refguard.toml",
                                       policy::LayerKind::kRepository);
    REQUIRE_FALSE(applied.has_value());
    CHECK_THAT(applied.error().message, Catch::Contains("deeper than 64 levels"));
    policy::PolicySpec inline_spec;
    auto inline_tables = policy::apply_layer(inline_spec, "x = " + repeat("{a = ", 100000) + "1" + repeat("}", 100000) + "\n",
                                             ".refguard.toml", policy::LayerKind::kRepository);
    CHECK_FALSE(inline_tables.has_value());
  });
}

TEST_CASE("a pickle of 300,000 nested tuples is freed without recursion, on a small stack", "[nesting]") {
  on_small_stack([] {
    using namespace detect::model;
    // PROTO 4, EMPTY_TUPLE, then TUPLE1 wraps the top of the stack 300,000 times, STOP.
    std::string bytes = "\x80\x04)" + std::string(300000, '\x85') + ".";
    MemorySource source(bytes);
    SourceStream stream(source);
    ScanBudget budget{uint64_t{1} << 30};
    StreamReader reader(stream, budget);
    PickleResult result = scan_pickle(reader);
    CHECK_FALSE(result.error.has_value());
  });
}
