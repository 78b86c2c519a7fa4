#pragma once
// Who refguardd runs as. On a server it runs as the Git service user (the user
// that runs git-receive-pack and owns the repositories: `git`, `gitolite3`, ...),
// one daemon per such user (the packaged refguard@USER units). Running as that
// user makes quarantine access, repository ownership, git notes and the audit
// log consistent. A daemon started as root must not leave root-owned files in
// a repository, so before it opens anything it switches to --user, or to the
// one owner of every --root; with neither it keeps running as root but writes
// into no repository it does not own (Server::handle_post_receive).
#include <string>
#include <vector>

#include "util/error.h"

namespace refguard::server {

struct ServiceUserChoice {
  std::string requested;            // --user NAME ("" = not given)
  std::vector<std::string> roots;   // --root directories (canonical)
  std::string socket_path;          // --socket: bound as root before the switch (its directory may be root's)
  std::string state_dir;            // --state-dir ("" = /var/lib/refguard/USER): created for the user before the switch
};

/// What happened: the user now run as, and a line for the log.
struct ServiceUser {
  std::string name;
  std::string how;  // "started as git", "switched from root to git (--user)", ...
  bool root = false;
};

/// Switches users when started as root (setgroups/initgroups, setgid, setuid,
/// HOME), or checks that --user names the user already running. Before the
/// switch, as root does for a systemd unit: the socket is bound (owned by the
/// user, mode 0660) and handed on as a socket-activated fd 3, and the state
/// directory is created for the user, since both usually sit in directories
/// only root may write (/run/refguard, /var/lib/refguard). Fails with a message
/// naming what to run instead.
Expected<ServiceUser> become_service_user(const ServiceUserChoice& choice);

}  // namespace refguard::server
