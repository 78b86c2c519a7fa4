#pragma once
// refguardd's server: a Unix-socket acceptor on one I/O thread, sessions on
// strands, checks on the work pool. SIGTERM/SIGINT stop accepting, let
// in-flight requests finish within a bounded grace period, then force; the
// socket file is removed. SIGHUP reloads the system policy.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/policy_store.h"
#include "engine/audit_log.h"
#include "engine/pending_notes.h"
#include "engine/push_pipeline.h"
#include "engine/scan_cache.h"
#include "engine/shared_scan_cache.h"
#include "git/repository_cache.h"
#include "server/acceptor.h"
#include "server/metrics_endpoint.h"
#include "server/peer_access.h"
#include "server/session.h"
#include "server/stats.h"
#include "server/status_table.h"
#include "util/error.h"
#include "util/log_limiter.h"
#include "util/work_pool.h"

namespace refguard::server {

struct ServerOptions {
  std::string socket_path;
  std::string policy_path = engine::kDefaultSystemPolicy;
  bool policy_required = false;  // --config given explicitly: it must exist
  size_t threads = 0;            // scan threads; 0 = one per core
  size_t repository_cache = 64;
  size_t scan_cache_entries = 200000;
  size_t scan_cache_bytes = 256u << 20;
  std::chrono::milliseconds shutdown_grace{10000};
  SessionLimits limits;
  AcceptorLimits connections;  // caps, socket path watch
  std::vector<std::string> allowed_roots;
  std::string state_dir;  // scan cache file, default audit log; "" = default_state_dir() (util/os_user.h)
  std::string audit_log;                       // "" = <state_dir>/audit.jsonl
  std::vector<std::string> allowed_users;   // SO_PEERCRED: empty (with groups) = anyone
  std::vector<std::string> allowed_groups;
  unsigned short metrics_port = 0;          // 0 = no Prometheus endpoint
  std::optional<engine::SharedCacheAddress> shared_cache;  // Redis behind the scan cache; none = local only
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  /// Loads the policy, claims the socket, and listens. Errors are start-up failures.
  Expected<void> start();
  /// Whether the listening socket came from systemd (socket activation).
  bool socket_activated() const { return acceptor_.socket_activated(); }
  /// Runs until a stop signal and the shutdown that follows.
  void run();

 private:
  std::shared_ptr<Session> admit(Socket socket, const PeerCredentials* peer);
  void refuse(Socket socket, const std::string& why);
  void on_signal(int signal);
  void begin_shutdown();
  void wait_for_sessions(std::chrono::steady_clock::time_point force_at);
  ipc::Verdict handle(const ipc::Request& request, const ipc::LineSink& send);
  ipc::Verdict handle_post_receive(const ipc::Request& request, const ipc::LineSink& send);
  engine::PushEffects push_effects();
  void prepare_state_dir();
  void save_scan_cache_now();
  void schedule_cache_save();
  std::string scan_cache_path() const { return options_.state_dir + "/scan-cache.bin"; }
  /// Everything `refguard status` and /metrics report (server/status_table.h).
  StatusInputs status_inputs();
  void reload_policy(std::string_view why);

  ServerOptions options_;
  boost::asio::io_context io_;
  Acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer shutdown_timer_;
  boost::asio::steady_timer cache_save_timer_;
  uint64_t cache_misses_at_save_ = 0;
  WorkPool pool_;
  git::RepositoryCache repositories_;
  engine::PolicyStore policies_;
  std::unique_ptr<engine::SharedScanCache> shared_cache_;  // outlives scan_cache_, which points to it
  engine::ScanCache scan_cache_;
  engine::PushPipeline pipeline_;
  engine::AuditLog audit_;
  engine::PendingNotes pending_notes_;
  Stats stats_;
  SessionContext session_context_;
  std::atomic<size_t> active_sessions_{0};
  MetricsEndpoint metrics_;
  PeerAccess peer_access_;
  LogLimiter refused_log_;  // refused connections: an attacker must not be able to flood the log
  bool stopping_ = false;
  std::chrono::steady_clock::time_point started_at_;
  double started_unix_seconds_ = 0;
};

}  // namespace refguard::server
