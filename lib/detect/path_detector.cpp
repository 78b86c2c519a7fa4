#include "detect/path_detector.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "util/glob.h"

namespace refguard::detect {

namespace {

class PathDetector final : public Detector {
 public:
  PathDetector(std::vector<Glob> globs, std::vector<std::unique_ptr<RE2>> patterns)
      : globs_(std::move(globs)), patterns_(std::move(patterns)) {}

  // Reports on the path alone: elsewhere there is nothing to find.
  bool may_report_at(std::string_view path) const override { return !match(path).empty(); }

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    std::string pattern = match(file.path);
    if (pattern.empty()) return;
    Hit hit;
    hit.detail = fmt::format("path matches '{}'", pattern);
    hits.push_back(std::move(hit));
  }

 private:
  std::string match(std::string_view path) const {
    if (const Glob* glob = first_match(globs_, path)) return glob->pattern();
    for (const auto& regex : patterns_)
      if (RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *regex)) return regex->pattern();
    return {};
  }

  std::vector<Glob> globs_;
  std::vector<std::unique_ptr<RE2>> patterns_;
};

}  // namespace

std::unique_ptr<Detector> make_path_detector(DetectorParams& params) {
  const auto patterns = params.strings("globs");
  const auto regexes = params.strings("patterns");
  if (patterns.empty() && regexes.empty()) {
    params.error("globs", "is required and must list at least one glob (or `patterns`, RE2 on the path)");
    return nullptr;
  }
  auto globs = compile_globs(patterns);
  if (!globs) {
    params.error("globs", globs.error().message);
    return nullptr;
  }
  std::vector<std::unique_ptr<RE2>> compiled;
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& pattern : regexes) {
    compiled.push_back(std::make_unique<RE2>(pattern, options));
    if (!compiled.back()->ok()) {
      params.error("patterns", fmt::format("RE2 rejects '{}': {}", pattern, compiled.back()->error()));
      return nullptr;
    }
  }
  return std::make_unique<PathDetector>(std::move(*globs), std::move(compiled));
}

}  // namespace refguard::detect
