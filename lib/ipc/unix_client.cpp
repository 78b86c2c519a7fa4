#include "ipc/unix_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace refguard::ipc {

namespace {
int remaining_ms(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
std::string errno_text(int error) { return std::strerror(error); }
}  // namespace

Expected<UnixClient> UnixClient::connect(const std::string& path, Deadline deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return fail("socket path is too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return fail("cannot create socket: " + errno_text(errno));
  UnixClient client(std::move(fd));
  if (::connect(client.fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN)
      return fail("cannot connect to " + path + ": " + errno_text(errno));
    if (auto ready = client.wait_for(POLLOUT, deadline, "connecting"); !ready) return std::unexpected(ready.error());
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(client.fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return fail("cannot connect to " + path + ": " + errno_text(error));
  }
  return client;
}

Expected<void> UnixClient::wait_for(short events, Deadline deadline, const char* what) {
  for (;;) {
    pollfd entry{fd_.get(), events, 0};
    int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return {};
    if (ready == 0) return fail(std::string("timed out ") + what);
    if (errno != EINTR) return fail(std::string("poll failed ") + what + ": " + errno_text(errno));
  }
}

Expected<void> UnixClient::send_all(std::string_view bytes, Deadline deadline) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto ready = wait_for(POLLOUT, deadline, "sending the request"); !ready) return ready;
    } else if (sent < 0 && errno != EINTR) {
      return fail("sending the request failed: " + errno_text(errno));
    }
  }
  return {};
}

Expected<size_t> UnixClient::read_some(char* buffer, size_t size, Deadline deadline) {
  for (;;) {
    ssize_t got = ::recv(fd_.get(), buffer, size, 0);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto ready = wait_for(POLLIN, deadline, "waiting for the daemon's answer"); !ready)
        return std::unexpected(ready.error());
    } else if (errno != EINTR) {
      return fail("reading the answer failed: " + errno_text(errno));
    }
  }
}

}  // namespace refguard::ipc
