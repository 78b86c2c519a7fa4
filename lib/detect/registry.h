#pragma once
// Maps a detector type name ("regex", "unicode", ...) to the factory that
// builds it from its parameters. Adding a detector means adding one line to
// registry.cpp; the policy engine itself does not change.
#include <memory>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "detect/params.h"
#include "util/error.h"

namespace refguard::detect {

/// Builds a detector; records parameter errors in `params` and returns nullptr on failure.
using DetectorFactory = std::unique_ptr<Detector> (*)(DetectorParams& params);

/// nullptr when no detector has that name.
DetectorFactory find_detector_factory(std::string_view type);
std::vector<std::string_view> detector_type_names();

}  // namespace refguard::detect
