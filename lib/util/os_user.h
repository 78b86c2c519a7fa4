#pragma once
// OS accounts as refguard needs them: who owns a repository, who we run as,
// and where a service user's daemon keeps its state and socket. One place,
// so that the daemon, `refguard install`, `refguard check` and the packaged
// units (refguard@USER) agree on the per-user paths.
//
// Header-only: the hook (which links ipc alone) finds the default socket with it.
#include <pwd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "util/error.h"

namespace refguard {

/// The login name of `uid`, or its number as text when it has no passwd entry.
inline std::string user_name(uid_t uid) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name)
    return found->pw_name;
  return std::to_string(uid);
}

/// The uid owning `path` (stat, following symlinks), or an error naming the path.
inline Expected<uid_t> owner_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return fail("cannot inspect " + path + ": " + std::strerror(errno));
  return info.st_uid;
}

/// Where the daemon of service user `user` listens: /run/refguard/USER.sock
/// (the socket refguard@USER.socket creates).
inline std::string instance_socket_path(const std::string& user) { return "/run/refguard/" + user + ".sock"; }

/// The state directory (scan cache, audit log) of service user `user`'s daemon:
/// /var/lib/refguard/USER (refguard@USER.service's StateDirectory).
inline std::string instance_state_dir(const std::string& user) { return "/var/lib/refguard/" + user; }

/// The state directory a process running now uses by default: systemd's
/// $STATE_DIRECTORY when it set one, else instance_state_dir(the effective user).
/// Never one directory shared by every user: a root daemon started by hand must
/// not leave root-owned files where the git user's daemon writes.
inline std::string default_state_dir() {
  // systemd sets it to the unit's StateDirectory (colon-separated when there
  // are several; the units name one).
  if (const char* systemd = std::getenv("STATE_DIRECTORY"); systemd && *systemd) {
    std::string first(systemd);
    return first.substr(0, first.find(':'));
  }
  return instance_state_dir(user_name(::geteuid()));
}

}  // namespace refguard
