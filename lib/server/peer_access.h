#pragma once
// Who may talk to the daemon: the Unix credentials of the connecting process
// (SO_PEERCRED, set by the kernel, so a client cannot lie about them) must
// match an allowed user or group. With neither configured, anyone who can
// open the socket is served (the socket's own mode then decides).
#include <sys/types.h>

#include <string>
#include <vector>

#include "util/error.h"

namespace refguard::server {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

class PeerAccess {
 public:
  /// Resolves names (or numeric ids) now, so a typo fails at start-up.
  static Expected<PeerAccess> create(const std::vector<std::string>& users, const std::vector<std::string>& groups);

  bool restricted() const { return !uids_.empty() || !gids_.empty(); }
  /// True when the peer's uid, primary gid or a supplementary group is allowed.
  bool allows(const PeerCredentials& peer) const;
  std::string describe() const;

 private:
  std::vector<uid_t> uids_;
  std::vector<gid_t> gids_;
};

/// The credentials of the process at the other end of a connected Unix socket.
Expected<PeerCredentials> peer_credentials(int socket_fd);

}  // namespace refguard::server
