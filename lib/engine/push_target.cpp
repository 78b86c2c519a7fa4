#include "engine/push_target.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace refguard::engine {

namespace {

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool is_regular_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool is_under(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/');
}

}  // namespace

Expected<std::string> canonical_path(const std::string& path) {
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) return fail("cannot resolve " + path + ": " + std::strerror(errno));
  return std::string(buffer);
}

Expected<PushTarget> resolve_push_target(const ipc::Request& request, const std::vector<std::string>& allowed_roots) {
  PushTarget target;
  auto git_dir = canonical_path(request.repo_path);
  if (!git_dir) return fail("repository: " + git_dir.error().message);
  if (!is_directory(*git_dir + "/objects") || !is_regular_file(*git_dir + "/HEAD"))
    return fail("repository " + *git_dir + " is not a git directory");
  if (!allowed_roots.empty()) {
    bool inside = false;
    for (const auto& root : allowed_roots) inside = inside || is_under(*git_dir, root);
    if (!inside) return fail("repository " + *git_dir + " is outside the roots this daemon serves");
  }
  target.git_dir = *git_dir;

  auto quarantine = request.env_value("GIT_QUARANTINE_PATH");
  if (!quarantine || quarantine->empty()) return target;
  // git passes the quarantine relative to the hook's directory at times.
  std::string claimed = quarantine->front() == '/' ? *quarantine : request.repo_path + "/" + *quarantine;
  auto resolved = canonical_path(claimed);
  if (!resolved) return fail("quarantine: " + resolved.error().message);
  std::string objects = target.git_dir + "/objects/";
  std::string name = resolved->substr(std::min(resolved->size(), objects.size()));
  if (resolved->compare(0, objects.size(), objects) != 0 || name.find('/') != std::string::npos ||
      name.rfind("tmp_objdir-incoming-", 0) != 0 || !is_directory(*resolved))
    return fail("quarantine " + *resolved + " is not a git quarantine directory of " + target.git_dir);
  if (auto object_dir = request.env_value("GIT_OBJECT_DIRECTORY"); object_dir && !object_dir->empty()) {
    std::string claimed_objects = object_dir->front() == '/' ? *object_dir : request.repo_path + "/" + *object_dir;
    auto resolved_objects = canonical_path(claimed_objects);
    if (!resolved_objects || *resolved_objects != *resolved)
      return fail("GIT_OBJECT_DIRECTORY does not name the push's quarantine");
  }
  target.quarantine = *resolved;
  return target;
}

}  // namespace refguard::engine
