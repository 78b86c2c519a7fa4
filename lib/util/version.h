#pragma once
// The version of this build: project(VERSION) from CMake and, when built from
// a git checkout, the commit (cmake/Version.cmake). Header-only, so the hook,
// which links only the protocol code, reports it too.
#include <string>
#include <string_view>

#include "refguard_version_info.h"

namespace refguard {

/// "0.1.0".
inline constexpr std::string_view kVersion = REFGUARD_VERSION_TEXT;
/// The short commit id, "" when not built from a checkout.
inline constexpr std::string_view kGitCommit = REFGUARD_GIT_COMMIT;

/// "PROGRAM 0.1.0 (commit 1a2b3c4d5e6f)", what `--version` prints.
inline std::string version_line(std::string_view program) {
  std::string line = std::string(program) + " " + std::string(kVersion);
  if (!kGitCommit.empty()) line += " (commit " + std::string(kGitCommit) + ")";
  return line;
}

}  // namespace refguard
