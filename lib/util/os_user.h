#pragma once
// OS accounts as refguard needs them: who owns a repository, who we run as,
// and where a service user's daemon keeps its state and socket. One place,
// so that the daemon, `refguard install`, `refguard check` and the packaged
// units (refguard@USER) agree on the per-user paths.
#include <sys/types.h>

#include <optional>
#include <string>

#include "util/error.h"

namespace refguard {

/// The login name of `uid`, or its number as text when it has no passwd entry.
std::string user_name(uid_t uid);

/// The uid owning `path` (stat, following symlinks), or an error naming the path.
Expected<uid_t> owner_of(const std::string& path);

/// Where the daemon of service user `user` listens: /run/refguard/USER.sock
/// (the socket refguard@USER.socket creates).
std::string instance_socket_path(const std::string& user);

/// The state directory (scan cache, audit log) of service user `user`'s daemon:
/// /var/lib/refguard/USER (refguard@USER.service's StateDirectory).
std::string instance_state_dir(const std::string& user);

/// The state directory a process running now uses by default: systemd's
/// $STATE_DIRECTORY when it set one, else instance_state_dir(the effective user).
/// Never one directory shared by every user: a root daemon started by hand must
/// not leave root-owned files where the git user's daemon writes.
std::string default_state_dir();

}  // namespace refguard
