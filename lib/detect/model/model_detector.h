#pragma once
// The `model` detector: recognises model files by content (pickles, PyTorch
// zip and legacy checkpoints, joblib dumps, .npy/.npz, safetensors) and
// reports what loading them would run. A whole-file detector; files that are
// not models cost a look at their first bytes.
//
// [rule.detector]
// type = "model"
// extra_safe_globals = ["mypkg.layers.MyLayer", "sklearn.*"]  (optional; may not cover a built-in dangerous global)
// extra_dangerous_globals = ["mypkg.hooks.*"]                 (optional; wins over every safe list)
// max_scan_bytes = 1073741824                                 (optional; bytes read per file, default 1 GiB)
//
// Findings carry their own severity: dangerous globals, unparseable pickles
// and broken safetensors headers block; unknown globals and content that
// cannot be inspected warn.
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_model_detector(DetectorParams& params);

}  // namespace refguard::detect
