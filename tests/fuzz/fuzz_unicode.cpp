// The unicode detector (every category) on arbitrary bytes, every line an
// added line. Properties: hits point at a line of the file, one per line and
// category at most.
#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "detect/unicode_detector.h"
#include "fuzz_support.h"

namespace {

const refguard::detect::Detector& detector() {
  static const std::unique_ptr<refguard::detect::Detector> instance = [] {
    const toml::table table;
    refguard::detect::DetectorParams params(table, "fuzz.toml", "fuzz-unicode");
    auto built = refguard::detect::make_unicode_detector(params);
    FUZZ_CHECK(built && params.finish(), "the default unicode detector builds");
    return built;
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  refguard::detect::FileView file;
  file.path = "AGENTS.md";
  file.content = std::string_view(reinterpret_cast<const char*>(data), size);
  file.added = refguard::fuzz::all_lines(file.content);
  std::vector<uint32_t> candidates(file.added.size());
  for (uint32_t i = 0; i < candidates.size(); ++i) candidates[i] = i;
  std::vector<refguard::detect::Hit> hits;
  detector().scan_lines(file, candidates, hits);
  FUZZ_CHECK(hits.size() <= 4 * file.added.size(), "at most one hit per line and category");
  for (const auto& hit : hits) {
    FUZZ_CHECK(hit.line >= 1 && hit.line <= file.added.size(), "hit on a line of the file");
    FUZZ_CHECK(!hit.detail.empty(), "hit says what it found");
  }
  return 0;
}
