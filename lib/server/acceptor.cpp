#include "server/acceptor.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/strand.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "server/socket_path.h"
#include "util/log.h"

namespace refguard::server {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{2000};

// Half the descriptors this process may open: the other half stays for
// repositories (pack files), the audit log and the scan cache file.
size_t default_max_connections() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
  return std::clamp<size_t>(static_cast<size_t>(limit.rlim_cur) / 2, 8, 4096);
}

bool out_of_descriptors(const boost::system::error_code& error) {
  return error.value() == EMFILE || error.value() == ENFILE || error.value() == ENOBUFS || error.value() == ENOMEM;
}

}  // namespace

Acceptor::Acceptor(boost::asio::io_context& io, std::string socket_path, AcceptorLimits limits)
    : io_(io),
      socket_path_(std::move(socket_path)),
      limits_(limits),
      acceptor_(io),
      backoff_timer_(io),
      watch_timer_(io) {
  if (limits_.max_connections == 0) limits_.max_connections = default_max_connections();
  if (limits_.max_connections_per_uid == 0) limits_.max_connections_per_uid = std::max<size_t>(limits_.max_connections / 2, 1);
}

// systemd socket activation: the listening socket arrives as fd 3.
Expected<void> Acceptor::listen() {
  const char* listen_pid = std::getenv("LISTEN_PID");
  const char* listen_fds = std::getenv("LISTEN_FDS");
  if (listen_pid && listen_fds && std::strtol(listen_pid, nullptr, 10) == ::getpid() &&
      std::strtol(listen_fds, nullptr, 10) >= 1) {
    constexpr int kFirstListenFd = 3;
    boost::system::error_code error;
    acceptor_.assign(boost::asio::local::stream_protocol(), kFirstListenFd, error);
    if (error) return fail("cannot use the socket systemd passed: " + error.message());
    socket_activated_ = true;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    return {};
  }
  return bind_path();
}

Expected<void> Acceptor::bind_path() {
  auto listening = listen_on_socket_path(socket_path_);
  if (!listening) return std::unexpected(listening.error());
  boost::system::error_code error;
  acceptor_.assign(boost::asio::local::stream_protocol(), listening->get(), error);
  if (error) return fail("cannot listen on " + socket_path_ + ": " + error.message());
  (void)listening->release();  // the acceptor owns it now
  struct stat info {};
  if (::lstat(socket_path_.c_str(), &info) == 0) bound_dev_ = info.st_dev, bound_ino_ = info.st_ino;
  return {};
}

void Acceptor::start(Admit admit, Refuse refuse) {
  admit_ = std::move(admit);
  refuse_ = std::move(refuse);
  log_event("connections: at most {} at once, {} per client uid", limits_.max_connections,
            limits_.max_connections_per_uid);
  accept_next();
  watch();
}

void Acceptor::close() {
  closed_ = true;
  boost::system::error_code ignored;
  backoff_timer_.cancel();
  watch_timer_.cancel();
  if (!acceptor_.is_open()) return;
  acceptor_.close(ignored);
  if (!socket_activated_) {
    // Only our own socket: another daemon may have claimed the path since.
    struct stat info {};
    if (::lstat(socket_path_.c_str(), &info) == 0 && info.st_dev == bound_dev_ && info.st_ino == bound_ino_)
      ::unlink(socket_path_.c_str());
  }
}

void Acceptor::accept_next() {
  if (closed_ || !acceptor_.is_open()) return;
  uint64_t generation = generation_;
  acceptor_.async_accept(boost::asio::make_strand(io_),
                         [this, generation](const boost::system::error_code& error, Socket socket) {
                           on_accept(error, std::move(socket), generation);
                         });
}

void Acceptor::on_accept(const boost::system::error_code& error, Socket socket, uint64_t generation) {
  if (closed_ || generation != generation_) return;  // stopped, or the socket was replaced meanwhile
  if (error) {
    if (error == boost::asio::error::operation_aborted) return;
    log_.log("accept:" + std::to_string(error.value()), "accept failed: " + error.message());
    if (out_of_descriptors(error)) return pause_accepting();
    return accept_next();
  }
  backoff_ = std::chrono::milliseconds(0);
  auto peer = peer_credentials(socket.native_handle());
  if (!make_room(peer ? peer->uid : 0, peer.has_value())) {
    ++refused_at_cap_;
    log_.log("cap", fmt::format("connection refused: {} connections open (at most {}, {} per uid)", connections_.size(),
                                limits_.max_connections, limits_.max_connections_per_uid));
    refuse_(std::move(socket), "refguardd is at its connection limit; try again shortly");
  } else if (auto session = admit_(std::move(socket), peer ? &*peer : nullptr)) {
    connections_.push_back({session, peer ? peer->uid : static_cast<uid_t>(-1)});
  }
  accept_next();
}

// Out of descriptors: accepting again at once fails again at once (the
// pending connection stays in the backlog), so wait, longer each time.
void Acceptor::pause_accepting() {
  backoff_ = std::min(backoff_ == std::chrono::milliseconds(0) ? kFirstBackoff : backoff_ * 2, kMaxBackoff);
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) accept_next();
  });
}

// Prunes closed connections; at a cap, drops the oldest connection still
// waiting for its request (of `uid` when that uid is at its cap). False when
// nothing can be dropped: every connection is a check in progress.
bool Acceptor::make_room(uid_t uid, bool known_uid) {
  std::erase_if(connections_, [](const Entry& entry) { return entry.session.expired(); });
  size_t of_uid = known_uid ? static_cast<size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                                [&](const Entry& e) { return e.uid == uid; }))
                            : 0;
  bool uid_full = of_uid >= limits_.max_connections_per_uid;
  bool all_full = connections_.size() >= limits_.max_connections;
  if (!uid_full && !all_full) return true;
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (uid_full && it->uid != uid) continue;
    auto session = it->session.lock();
    if (!session || !session->waiting_for_request()) continue;
    session->evict("connection dropped: the daemon is at its connection limit and this client sent no request");
    ++evicted_idle_;
    log_.log("evict", fmt::format("connection limit reached: dropping the oldest idle connection (uid {})", it->uid));
    connections_.erase(it);
    return true;
  }
  return false;
}

void Acceptor::watch() {
  if (limits_.watch_interval.count() <= 0 || socket_activated_ || closed_) return;
  watch_timer_.expires_after(limits_.watch_interval);
  watch_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || closed_) return;
    check_path();
    watch();
  });
}

// A socket path someone deleted (or replaced) leaves the daemon running but
// unreachable, silently. Notice it and bind the path again.
void Acceptor::check_path() {
  struct stat info {};
  bool present = ::lstat(socket_path_.c_str(), &info) == 0;
  if (present && info.st_dev == bound_dev_ && info.st_ino == bound_ino_) return;
  std::string what = present ? "was replaced" : "was deleted";
  boost::system::error_code ignored;
  acceptor_.close(ignored);  // its pending accept ends as operation_aborted and is ignored
  ++generation_;
  auto bound = bind_path();
  if (!bound) {
    log_.log("rebind", fmt::format("socket {} {}; cannot take it back: {} (retrying every {} ms)", socket_path_, what,
                                   bound.error().message, limits_.watch_interval.count()));
    bound_dev_ = 0, bound_ino_ = 0;
    return;
  }
  log_event("socket {} {}: listening on it again", socket_path_, what);
  accept_next();
}

}  // namespace refguard::server
