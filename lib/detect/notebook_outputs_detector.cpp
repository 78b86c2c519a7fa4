#include "detect/notebook_outputs_detector.h"

#include <fmt/format.h>

#include "detect/notebook.h"

namespace refguard::detect {

namespace {

bool is_notebook_path(std::string_view path) {
  constexpr std::string_view kSuffix = ".ipynb";
  if (path.size() < kSuffix.size()) return false;
  const std::string_view tail = path.substr(path.size() - kSuffix.size());
  // Case-insensitive: "Analysis.IPYNB" opens in Jupyter just the same.
  for (size_t i = 0; i < kSuffix.size(); ++i)
    if ((tail[i] | 0x20) != kSuffix[i]) return false;
  return true;
}

class NotebookOutputsDetector final : public Detector {
 public:
  bool may_report_at(std::string_view path) const override { return is_notebook_path(path); }

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    if (!is_notebook_path(file.path)) return;
    auto cells = notebook_output_cells(file.content);
    if (!cells || cells->empty()) return;
    Hit hit;
    hit.detail = fmt::format("notebook committed with outputs in {} cell{} (first: cell {})", cells->size(),
                             cells->size() == 1 ? "" : "s", cells->front());
    hit.where = fmt::format("cell {}", cells->front());
    hits.push_back(std::move(hit));
  }
};

}  // namespace

std::unique_ptr<Detector> make_notebook_outputs_detector(DetectorParams& params) {
  (void)params;  // no parameters; finish() reports any key given
  return std::make_unique<NotebookOutputsDetector>();
}

}  // namespace refguard::detect
