#pragma once
// The `size` detector: fires once for a changed file larger than a limit,
// unless the file is a Git LFS pointer (which is what a large file should
// become). For model weights and data dumps that belong in LFS.
//
// [rule.detector]
// type = "size"
// max_bytes = 52428800        (required, > 0; a file of exactly max_bytes passes)
// globs = ["*.safetensors"]   (optional; only files matching one; default every file)
#include <cstdint>
#include <memory>
#include <string>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_size_detector(DetectorParams& params);

/// "812 B", "1.5 KiB", "12.3 MiB", "2.0 GiB": one decimal, binary units.
std::string format_byte_size(uint64_t bytes);

}  // namespace refguard::detect
