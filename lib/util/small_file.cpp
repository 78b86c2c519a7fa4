#include "util/small_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace refguard {

Expected<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes,
                                                     std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > max_bytes)
    return fail(fmt::format("{}: {} is larger than {} MiB", path, what, max_bytes >> 20));
  return std::optional<std::string>(text.str());
}

}  // namespace refguard
