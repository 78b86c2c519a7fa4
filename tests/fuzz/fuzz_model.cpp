// The model detector (pickles, PyTorch zips, joblib, .npy/.npz, safetensors)
// on arbitrary bytes, under a file name chosen by the input's length, plus the
// pickle walker run directly on the same bytes (most random inputs are not
// sniffed as models). max_scan_bytes is kept small so that compressed input
// cannot make a run slow. Properties: hits say what they found; the pickle
// result's offsets are consistent.
#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/model_detector.h"
#include "detect/model/pickle_scanner.h"
#include "detect/model/stream_reader.h"
#include "fuzz_support.h"

namespace {

constexpr uint64_t kMaxScanBytes = uint64_t{16} << 20;
constexpr std::array<std::string_view, 8> kPaths = {"model.pkl",   "pytorch_model.bin", "model.safetensors", "data.npy",
                                                    "arrays.npz",  "model.joblib",      "checkpoint.pt",     "README.md"};

const refguard::detect::Detector& detector() {
  static const std::unique_ptr<refguard::detect::Detector> instance = [] {
    const toml::table table = toml::parse("max_scan_bytes = 16777216\n");
    refguard::detect::DetectorParams params(table, "fuzz.toml", "fuzz-model");
    auto built = refguard::detect::make_model_detector(params);
    FUZZ_CHECK(built && params.finish(), "the model detector builds");
    return built;
  }();
  return *instance;
}

void scan_as_pickle(std::string_view bytes) {
  using namespace refguard::detect::model;
  MemorySource source(bytes);
  SourceStream stream(source);
  ScanBudget budget{kMaxScanBytes};
  StreamReader reader(stream, budget);
  const PickleResult result = scan_pickle(reader);
  FUZZ_CHECK(result.begin <= result.end && result.end <= bytes.size(), "pickle offsets inside the input");
  for (const auto& global : result.globals) FUZZ_CHECK(global.offset < bytes.size(), "global offset inside the input");
  if (result.error) FUZZ_CHECK(!result.error->why.empty(), "a pickle error says why");
}

}  // namespace

namespace {

int test_one(const uint8_t* data, size_t size) {
  refguard::detect::FileView file;
  file.path = kPaths[size % kPaths.size()];
  file.content = std::string_view(reinterpret_cast<const char*>(data), size);
  file.binary = true;
  std::vector<refguard::detect::Hit> hits;
  detector().scan_file(file, hits);
  for (const auto& hit : hits) FUZZ_CHECK(!hit.detail.empty(), "hit says what it found");
  scan_as_pickle(file.content);
  // Nested tuples: EMPTY_TUPLE, then TUPLE1 per level (see nested()). For one
  // input in four, and at most 16,383 levels: a deep pickle costs a run ~50x
  // a plain one, and an unbounded teardown dies in far fewer levels.
  if (size % 4 == 0) scan_as_pickle(refguard::fuzz::nested(file.content, "\x80\x04)", "\x85", "", ".", 16383));
  return 0;
}

}  // namespace

// On a worker-sized stack: see on_worker_stack.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return refguard::fuzz::on_worker_stack([&] { return test_one(data, size); });
}
