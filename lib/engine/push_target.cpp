#include "engine/push_target.h"

#include <sys/stat.h>

#include "util/path.h"

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

}  // namespace

Expected<PushTarget> resolve_push_target(const ipc::Request& request, const std::vector<std::string>& allowed_roots) {
  PushTarget target;
  auto git_dir = canonical_path(request.repo_path);
  if (!git_dir) return fail("repository: " + git_dir.error().message);
  if (!is_directory(*git_dir + "/objects") || !is_regular_file(*git_dir + "/HEAD"))
    return fail("repository " + *git_dir + " is not a git directory");
  if (!allowed_roots.empty()) {
    bool inside = false;
    for (const auto& root : allowed_roots) inside = inside || is_path_under(*git_dir, root);
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

Expected<std::vector<git::RefUpdate>> ref_updates_of(const ipc::Request& request) {
  std::vector<git::RefUpdate> updates;
  updates.reserve(request.updates.size());
  for (const auto& update : request.updates) {
    auto old_id = git::ObjectId::from_hex(update.old_oid);
    if (!old_id) return std::unexpected(old_id.error());
    auto new_id = git::ObjectId::from_hex(update.new_oid);
    if (!new_id) return std::unexpected(new_id.error());
    updates.push_back(git::RefUpdate{*old_id, *new_id, update.ref_name});
  }
  return updates;
}

}  // namespace refguard::engine
