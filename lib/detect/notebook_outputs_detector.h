#pragma once
// The `notebook_outputs` detector: fires once for a Jupyter notebook (.ipynb)
// committed after being run, i.e. with outputs or execution counts in its
// code cells. Outputs leak data, tokens printed by mistake and local paths,
// and bloat diffs; `jupyter nbconvert --clear-output` or nbstripout removes them.
// Malformed notebooks are left to other detectors.
//
// [rule.detector]
// type = "notebook_outputs"    (no parameters)
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_notebook_outputs_detector(DetectorParams& params);

}  // namespace refguard::detect
