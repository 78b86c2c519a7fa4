#pragma once
// File-system paths as the daemon must see them: resolved, never as claimed.
#include <string>

#include "util/error.h"

namespace refguard {

/// realpath(3) as an Expected, naming the path and the reason on failure.
Expected<std::string> canonical_path(const std::string& path);

/// True when canonical `path` is `root` or lies below it (both canonical).
bool is_path_under(const std::string& path, const std::string& root);

}  // namespace refguard
