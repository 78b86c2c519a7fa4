#pragma once
// refguardd's listening socket: claiming the path (or taking systemd's
// socket), the accept loop, and the guards around it (issue 15, items 4, 13):
//  - connection caps, global and per client uid. At a cap, the oldest
//    connection of that uid (else of anyone) still waiting for its request
//    is dropped to make room: hooks send their request at once, so idle
//    clients go first and real pushes keep being served;
//  - EMFILE/ENFILE: accepting pauses (100 ms, doubling to 2 s) instead of
//    spinning, and the repeated error is logged at most every 10 s;
//  - the socket path is checked every `watch_interval`: when it was deleted
//    or replaced by another socket, the daemon logs it and binds it again.
// Every handler runs on the io_context's thread.
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/peer_access.h"
#include "server/session.h"
#include "util/error.h"
#include "util/log_limiter.h"

namespace refguard::server {

struct AcceptorLimits {
  size_t max_connections = 0;          // 0 = derived from RLIMIT_NOFILE (half of it, at least 8)
  size_t max_connections_per_uid = 0;  // 0 = half of max_connections
  std::chrono::milliseconds watch_interval{2000};  // socket path check; 0 = never
};

class Acceptor {
 public:
  /// Turns an accepted socket into a started session (or a refused one); `peer`
  /// is null when the kernel could not say who connected.
  using Admit = std::function<std::shared_ptr<Session>(Socket socket, const PeerCredentials* peer)>;
  /// Answers an accepted socket with `why` and a reject verdict, then closes it.
  using Refuse = std::function<void(Socket socket, const std::string& why)>;

  Acceptor(boost::asio::io_context& io, std::string socket_path, AcceptorLimits limits);

  /// Takes systemd's socket (LISTEN_FDS) or claims and binds the path (mode 0660).
  Expected<void> listen();
  bool socket_activated() const { return socket_activated_; }
  bool is_open() const { return acceptor_.is_open(); }
  /// Starts accepting and watching the path.
  void start(Admit admit, Refuse refuse);
  /// Stops accepting; removes the socket file unless systemd owns it.
  void close();

  size_t max_connections() const { return limits_.max_connections; }
  size_t max_connections_per_uid() const { return limits_.max_connections_per_uid; }
  uint64_t refused_at_cap() const { return refused_at_cap_; }
  uint64_t evicted_idle() const { return evicted_idle_; }

 private:
  struct Entry {
    std::weak_ptr<Session> session;
    uid_t uid;
  };
  Expected<void> bind_path();
  void accept_next();
  void on_accept(const boost::system::error_code& error, Socket socket, uint64_t generation);
  void pause_accepting();
  bool make_room(uid_t uid, bool known_uid);
  void watch();
  void check_path();

  boost::asio::io_context& io_;
  std::string socket_path_;
  AcceptorLimits limits_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  boost::asio::steady_timer watch_timer_;
  Admit admit_;
  Refuse refuse_;
  std::vector<Entry> connections_;  // oldest first
  uint64_t generation_ = 0;         // bumped when the listening socket is replaced
  std::chrono::milliseconds backoff_{0};
  bool socket_activated_ = false;
  bool closed_ = false;
  dev_t bound_dev_ = 0;
  ino_t bound_ino_ = 0;
  uint64_t refused_at_cap_ = 0;
  uint64_t evicted_idle_ = 0;
  LogLimiter log_;
};

}  // namespace refguard::server
