#pragma once
// The `regex` detector: an RE2 pattern, optional keywords (a line must hold
// one, case-insensitively, as in gitleaks), an optional capture group holding
// the secret, and an optional minimum Shannon entropy for that secret so that
// placeholders such as "sk-xxxx" or "YOUR_API_KEY" pass.
//
// [rule.detector]
// type = "regex"
// pattern = '''...'''        (required; RE2 syntax)
// keywords = ["sk-"]         (optional)
// secret_group = 1           (optional; default 1 when the pattern has a group, else 0)
// min_entropy = 3.5          (optional; bits per character)
// unless = '''weights_only\s*=\s*True'''  (optional; a line matching it is not reported)
// path_pattern = '''\.tf$'''  (optional RE2 on the file path: the rule looks only at
//                            matching files, as a gitleaks rule's `path` does)
// first_only = true          (optional; report the first match in a file only: for
//                            warnings whose point one finding makes)
//
// A secret directly followed by a redaction mark ("###", "***", "…", "•",
// after at most one "-", "_" or ".") is a masked documentation sample and is
// not reported: "xoxb-1234-5678-####".
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_regex_detector(DetectorParams& params);

}  // namespace refguard::detect
