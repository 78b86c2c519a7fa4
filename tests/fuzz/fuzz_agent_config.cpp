// The MCP / agent settings detector on arbitrary bytes, read as each kind of
// file it recognises. Properties: hits point at a line of the file (or the
// file as a whole) and say what they found.
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "detect/agent_config/agent_config_detector.h"
#include "fuzz_support.h"

namespace {

// One name per ConfigKind (see agent_config/config_kind.h).
constexpr std::array<std::string_view, 5> kPaths = {
    ".mcp.json", ".vscode/mcp.json", ".vscode/settings.json", ".claude/settings.json", ".gemini/settings.json"};

const refguard::detect::Detector& detector() {
  static const std::unique_ptr<refguard::detect::Detector> instance = [] {
    const toml::table table;
    refguard::detect::DetectorParams params(table, "fuzz.toml", "fuzz-agent-config");
    auto built = refguard::detect::make_agent_config_detector(params);
    FUZZ_CHECK(built && params.finish(), "the default agent_config detector builds");
    return built;
  }();
  return *instance;
}

}  // namespace

namespace {

int test_one(const uint8_t* data, size_t size) {
  refguard::detect::FileView file;
  file.content = std::string_view(reinterpret_cast<const char*>(data), size);
  file.added = refguard::fuzz::all_lines(file.content);
  const auto lines = static_cast<uint32_t>(std::count(file.content.begin(), file.content.end(), '\n') + 1);
  for (std::string_view path : kPaths) {
    file.path = path;
    std::vector<refguard::detect::Hit> hits;
    detector().scan_file(file, hits);
    for (const auto& hit : hits) {
      FUZZ_CHECK(hit.line <= lines, "hit on a line of the file");
      FUZZ_CHECK(!hit.detail.empty(), "hit says what it found");
    }
  }
  // A config nested deep, with a key after the deep member (the shape that
  // crashed the daemon: the next key makes ordered_json copy the deep one).
  // Only the depth comes from the input, so the config is always valid JSON;
  // 8,191 levels at most keep runs quick (an unbounded parser dies near 3,000).
  const std::string deep =
      refguard::fuzz::nested(file.content.substr(0, 2), R"({"mcpServers": {}, "x": )", "[", "]", R"(, "y": 1})", 8191);
  file.content = deep;
  file.path = kPaths[size % kPaths.size()];
  std::vector<refguard::detect::Hit> hits;
  detector().scan_file(file, hits);
  for (const auto& hit : hits) FUZZ_CHECK(!hit.detail.empty(), "hit says what it found");
  return 0;
}

}  // namespace

// On a worker-sized stack: see on_worker_stack.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return refguard::fuzz::on_worker_stack([&] { return test_one(data, size); });
}
