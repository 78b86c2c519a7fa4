#include "detect/path_detector.h"

#include <fmt/format.h>

#include "util/glob.h"

namespace refguard::detect {

namespace {

class PathDetector final : public Detector {
 public:
  explicit PathDetector(std::vector<Glob> globs) : globs_(std::move(globs)) {}

  // Reports on the path alone: elsewhere there is nothing to find.
  bool may_report_at(std::string_view path) const override { return first_match(globs_, path) != nullptr; }

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    const Glob* glob = first_match(globs_, file.path);
    if (!glob) return;
    Hit hit;
    hit.detail = fmt::format("path matches '{}'", glob->pattern());
    hits.push_back(std::move(hit));
  }

 private:
  std::vector<Glob> globs_;
};

}  // namespace

std::unique_ptr<Detector> make_path_detector(DetectorParams& params) {
  const auto patterns = params.strings("globs");
  if (patterns.empty()) {
    params.error("globs", "is required and must list at least one glob");
    return nullptr;
  }
  auto globs = compile_globs(patterns);
  if (!globs) {
    params.error("globs", globs.error().message);
    return nullptr;
  }
  return std::make_unique<PathDetector>(std::move(*globs));
}

}  // namespace refguard::detect
