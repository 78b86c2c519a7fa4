#include "util/path.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace refguard {

Expected<std::string> canonical_path(const std::string& path) {
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) return fail("cannot resolve " + path + ": " + std::strerror(errno));
  return std::string(buffer);
}

bool is_path_under(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root ||
         (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/');
}

}  // namespace refguard
