#pragma once
// The `path` detector: fires once for a changed file whose path matches one
// of its globs (util/glob.h semantics). For files that must never be
// committed at all: `.env`, `id_rsa`, keystores.
//
// [rule.detector]
// type = "path"
// globs = [".env", ".env.*"]   (required, non-empty; the first matching glob is reported)
// patterns = ['''\.pem$''']    (optional RE2 on the path, instead of or beside globs:
//                               what an imported gitleaks rule's `path` becomes)
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_path_detector(DetectorParams& params);

}  // namespace refguard::detect
