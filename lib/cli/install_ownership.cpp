#include "cli/install_ownership.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;

bool running_as_root() { return ::geteuid() == 0; }

// lchown: a hook is a symlink to refguard-hook; the link, not the program, is handed over.
void hand_over(const std::string& path, const FileOwner& owner, std::vector<std::string>& problems) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || info.st_uid != 0) return;
  if (::lchown(path.c_str(), owner.uid, owner.gid) != 0)
    problems.push_back("cannot give " + path + " to uid " + std::to_string(owner.uid) + ": " + std::strerror(errno));
}

bool is_hook_entry(const std::string& name) { return name.starts_with("pre-receive") || name.starts_with("post-receive"); }

}  // namespace

Expected<FileOwner> owner_of_directory(const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return fail("cannot inspect " + dir + ": " + std::strerror(errno));
  return FileOwner{info.st_uid, info.st_gid};
}

std::vector<std::string> give_hooks_to_owner(const std::string& dir, const FileOwner& owner) {
  std::vector<std::string> problems;
  if (!running_as_root() || owner.uid == 0) return problems;
  hand_over(dir, owner, problems);
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (!is_hook_entry(entry.path().filename().string())) continue;
    hand_over(entry.path().string(), owner, problems);
    if (entry.is_directory(error) && !entry.is_symlink(error))
      for (const auto& inner : fs::directory_iterator(entry.path(), error)) hand_over(inner.path().string(), owner, problems);
  }
  return problems;
}

std::vector<std::string> give_file_to_owner(const std::string& file, const FileOwner& owner) {
  std::vector<std::string> problems;
  if (running_as_root() && owner.uid != 0) hand_over(file, owner, problems);
  return problems;
}

}  // namespace refguard::cli
