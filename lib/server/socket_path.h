#pragma once
// Claims the daemon's socket path safely: refuses a path that exists and is
// not a socket, refuses when another daemon answers on it, removes a stale
// socket left by a crash.
#include <string>

#include "util/error.h"
#include "util/unique_fd.h"

namespace refguard::server {

Expected<void> claim_socket_path(const std::string& path);

/// Claims `path` and listens on it: the listening Unix stream socket, mode
/// 0660 from the moment it exists (a umask during bind, no chmod race).
Expected<UniqueFd> listen_on_socket_path(const std::string& path);

}  // namespace refguard::server
