#pragma once
// Claims the daemon's socket path safely: refuses a path that exists and is
// not a socket, refuses when another daemon answers on it, removes a stale
// socket left by a crash.
#include <string>

#include "util/error.h"

namespace refguard::server {

Expected<void> claim_socket_path(const std::string& path);

}  // namespace refguard::server
