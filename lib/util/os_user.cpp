#include "util/os_user.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace refguard {

std::string user_name(uid_t uid) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name)
    return found->pw_name;
  return std::to_string(uid);
}

Expected<uid_t> owner_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return fail("cannot inspect " + path + ": " + std::strerror(errno));
  return info.st_uid;
}

std::string instance_socket_path(const std::string& user) { return "/run/refguard/" + user + ".sock"; }

std::string instance_state_dir(const std::string& user) { return "/var/lib/refguard/" + user; }

std::string default_state_dir() {
  // systemd sets it to the unit's StateDirectory (a colon-separated list when
  // there are several; the units name one).
  if (const char* systemd = std::getenv("STATE_DIRECTORY"); systemd && *systemd) {
    std::string first(systemd);
    return first.substr(0, first.find(':'));
  }
  return instance_state_dir(user_name(::geteuid()));
}

}  // namespace refguard
