#include "detect/model/model_detector.h"

#include <fmt/format.h>

#include "detect/model/byte_source.h"
#include "detect/model/content_sniffer.h"
#include "detect/model/model_scanner.h"

namespace refguard::detect {

namespace {

using model::GlobalPolicy;
using model::ModelScanner;

class ModelDetector final : public Detector {
 public:
  explicit ModelDetector(ModelScanner scanner) : scanner_(std::move(scanner)) {}

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    if (plain(file)) return;
    model::MemorySource source(file.content);
    scanner_.scan(source, file.path, hits);
  }

 private:
  // Most files are text that starts with no magic number and no pickle opcode,
  // under a name that promises neither a pickle nor safetensors. FileScan
  // decides from these same first bytes and name that there is nothing to
  // inspect; deciding it here skips setting up its stream reader. (In memory,
  // the reader's first bytes are exactly these.)
  static bool plain(const FileView& file) {
    std::string_view head = file.content.substr(0, model::kSniffSize);
    return model::sniff(head, file.content.size()) == model::ContentKind::kNone &&
           !model::has_safetensors_name(file.path) && !model::has_pickle_name(file.path);
  }

  ModelScanner scanner_;
};

std::vector<std::string> read_patterns(DetectorParams& params, std::string_view key, bool safe) {
  std::vector<std::string> patterns = params.strings(key);
  for (const auto& pattern : patterns) {
    if (auto why = GlobalPolicy::pattern_error(pattern)) {
      params.error(key, fmt::format("'{}': {}", pattern, *why));
    } else if (safe) {
      if (auto danger = GlobalPolicy::builtin_danger_overlap(pattern))
        params.error(key, fmt::format("'{}' covers the built-in dangerous global '{}', which cannot be allowed",
                                      pattern, *danger));
    }
  }
  return patterns;
}

}  // namespace

std::unique_ptr<Detector> make_model_detector(DetectorParams& params) {
  auto safe = read_patterns(params, "extra_safe_globals", true);
  auto dangerous = read_patterns(params, "extra_dangerous_globals", false);
  auto max_bytes = params.integer("max_scan_bytes");
  model::ModelScanOptions options;
  if (max_bytes) {
    if (*max_bytes < 4096) {
      params.error("max_scan_bytes", "must be at least 4096");
      return nullptr;
    }
    options.max_scan_bytes = static_cast<uint64_t>(*max_bytes);
  }
  for (const auto& pattern : safe)
    if (GlobalPolicy::pattern_error(pattern) || GlobalPolicy::builtin_danger_overlap(pattern)) return nullptr;
  for (const auto& pattern : dangerous)
    if (GlobalPolicy::pattern_error(pattern)) return nullptr;
  return std::make_unique<ModelDetector>(ModelScanner(GlobalPolicy(std::move(safe), std::move(dangerous)), options));
}

}  // namespace refguard::detect
