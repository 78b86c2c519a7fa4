#include "detect/size_detector.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "util/glob.h"

namespace refguard::detect {

namespace {

// The first line of every LFS pointer (git-lfs spec, "The Pointer").
constexpr std::string_view kLfsPointerStart = "version https://git-lfs.github.com/spec/v1";

class SizeDetector final : public Detector {
 public:
  SizeDetector(uint64_t max_bytes, std::vector<Glob> globs) : max_bytes_(max_bytes), globs_(std::move(globs)) {}

  bool may_report_at(std::string_view path) const override { return globs_.empty() || first_match(globs_, path); }

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    if (file.content.size() <= max_bytes_) return;
    if (file.content.starts_with(kLfsPointerStart)) return;
    if (!globs_.empty() && !first_match(globs_, file.path)) return;
    Hit hit;
    hit.detail = fmt::format("file is {}, above the {} limit for this path; store it with Git LFS",
                             format_byte_size(file.content.size()), format_byte_size(max_bytes_));
    hits.push_back(std::move(hit));
  }

 private:
  uint64_t max_bytes_;
  std::vector<Glob> globs_;  // empty = every file
};

}  // namespace

std::string format_byte_size(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  constexpr std::array<std::string_view, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  // Switch units before rounding would print "1024.0 KiB".
  while (value >= 1023.95 && unit + 1 < kUnits.size()) value /= 1024.0, ++unit;
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::unique_ptr<Detector> make_size_detector(DetectorParams& params) {
  const auto max_bytes = params.integer("max_bytes");
  const auto patterns = params.strings("globs");
  if (!max_bytes) {
    params.error("max_bytes", "is required: the largest file size allowed, as an integer number of bytes");
    return nullptr;
  }
  if (*max_bytes <= 0) {
    params.error("max_bytes", "must be greater than 0");
    return nullptr;
  }
  auto globs = compile_globs(patterns);
  if (!globs) {
    params.error("globs", globs.error().message);
    return nullptr;
  }
  return std::make_unique<SizeDetector>(static_cast<uint64_t>(*max_bytes), std::move(*globs));
}

}  // namespace refguard::detect
