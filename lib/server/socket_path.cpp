#include "server/socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.h"

namespace refguard::server {

namespace {
bool someone_listens(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}
}  // namespace

Expected<void> claim_socket_path(const std::string& path) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
    return fail("socket path '" + path + "' is empty or too long for a Unix socket");
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return fail("cannot inspect " + path + ": " + std::strerror(errno));
  }
  if (!S_ISSOCK(info.st_mode)) return fail(path + " exists and is not a socket; refusing to replace it");
  if (someone_listens(path)) return fail("another daemon is already serving on " + path);
  if (::unlink(path.c_str()) != 0) return fail("cannot remove stale socket " + path + ": " + std::strerror(errno));
  return {};
}

Expected<UniqueFd> listen_on_socket_path(const std::string& path) {
  if (auto claimed = claim_socket_path(path); !claimed) return std::unexpected(claimed.error());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail("cannot listen on " + path + ": " + std::strerror(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);  // claim_socket_path checked the length
  mode_t old_mask = ::umask(0117);
  int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) return fail("cannot listen on " + path + ": " + std::strerror(bind_errno));
  if (::listen(fd.get(), SOMAXCONN) != 0) return fail("cannot listen on " + path + ": " + std::strerror(errno));
  return fd;
}

}  // namespace refguard::server
