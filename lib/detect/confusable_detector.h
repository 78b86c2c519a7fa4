#pragma once
// The `confusable` detector: identifiers in source code written with
// look-alike letters of another script (homoglyphs), judged with ICU's spoof
// checker (the Unicode TR39 confusable skeletons), not a hand-made table.
//
// On added lines of source files (detect/file_kind.h) that hold non-ASCII
// characters, identifiers outside string literals and comments are checked:
//
//   - mixed-script: the identifier mixes letters of two scripts (Latin and
//     Cyrillic, say) and its skeleton is plain ASCII, so it reads as an ASCII
//     name: "pаypal" with a Cyrillic "а". "Δt" (Greek + Latin, but Δ looks
//     like no Latin letter) and "kullanıcı" (one script) pass;
//   - shadowing: a name in one non-Latin script whose skeleton is an ASCII
//     name used in the same file ("аdmin" next to "admin"). Russian or Greek
//     identifiers that look like no name in the file pass, as do one-letter
//     names (α, λ in maths code).
//
// [rule.detector]
// type = "confusable"
//
// Thread-safe: ICU documents a configured USpoofChecker's checks and skeletons
// as safe to call from many threads at once.
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_confusable_detector(DetectorParams& params);

}  // namespace refguard::detect
