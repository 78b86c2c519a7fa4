// refguardd: the long-running daemon the hooks talk to. A thin main over
// lib/server: parse options, start, run until SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#ifdef REFGUARD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <csignal>
#include <cstdio>
#include <string>

#include "cli/usage.h"
#include "util/path.h"
#include "server/server.h"
#include "server/service_user.h"
#include "util/log.h"
#include "util/version.h"

#ifdef REFGUARD_JEMALLOC
// Read by jemalloc at start. Its background thread gives the memory of a
// large push back to the system while the daemon sits idle; without it,
// freed pages are purged only by later allocations.
extern "C" {
const char* malloc_conf = "background_thread:true";
}
#endif

namespace {

// Logged at start: the allocator decides how memory behaves after large
// pushes, so an admin reading the log should see which one runs
// (cmake/Dependencies.cmake says why jemalloc; sanitizer builds use their own).
std::string allocator_name() {
#ifdef REFGUARD_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) {
    bool background = false;
    size_t flag_size = sizeof(background);
    mallctl("background_thread", &background, &flag_size, nullptr, 0);
    return std::string("jemalloc ") + version + (background ? ", background purging" : ", no background purging");
  }
#endif
  return "the C library's malloc";
}

}  // namespace

// A function-try-block: option parsing and set-up throw too (CLI11, allocation),
// and so may logging in the handler below.
int main(int argc, char** argv) try {
  using namespace refguard;
  server::ServerOptions options;
  std::string config;
  double request_timeout = 10;
  std::vector<std::string> roots;
  std::string shared_cache;
  std::string shared_cache_auth;
  std::string user;
  CLI::App app{"refguardd: checks git pushes for the refguard hooks over a Unix socket"};
  app.set_version_flag("--version", version_line("refguardd"));
  app.add_option("--socket", options.socket_path, "Unix socket to listen on")->required();
  app.add_option("--config", config, "system policy file (default /etc/refguard/policy.toml if present)");
  app.add_option("--threads", options.threads, "scan threads (default: one per core)");
  app.add_option("--repo-cache", options.repository_cache, "repositories kept open")->check(CLI::PositiveNumber);
  app.add_option("--scan-cache-entries", options.scan_cache_entries, "scan cache entries");
  app.add_option("--request-timeout", request_timeout, "seconds a client has to send its request")
      ->check(CLI::PositiveNumber);
  app.add_option("--root", roots, "serve only repositories under this directory (repeatable)");
  app.add_option("--state-dir", options.state_dir,
                 "directory for the scan cache and the audit log (default: systemd's STATE_DIRECTORY, else "
                 "/var/lib/refguard/USER)");
  app.add_option("--user", user,
                 "started as root: become this user (the Git service user owning the repositories) before "
                 "opening anything; default: the owner of every --root");
  app.add_option("--audit-log", options.audit_log, "audit log file (default: STATE_DIR/audit.jsonl)");
  app.add_option("--metrics-port", options.metrics_port, "serve Prometheus metrics on 127.0.0.1:PORT");
  app.add_option("--allow-user", options.allowed_users, "serve only clients running as this user (repeatable)");
  app.add_option("--allow-group", options.allowed_groups, "serve only clients in this group (repeatable)");
  app.add_option("--max-connections", options.connections.max_connections,
                 "connections served at once (default: half of the open-files limit)");
  app.add_option("--max-connections-per-uid", options.connections.max_connections_per_uid,
                 "connections one client uid may hold (default: half of --max-connections)");
  app.add_option("--shared-cache", shared_cache,
                 "scan cache shared by several daemons: redis://HOST:PORT or unix:///path/to/redis.sock");
  app.add_option("--shared-cache-auth", shared_cache_auth,
                 "file whose first line is the shared cache's Redis password, or USER PASSWORD (mode 600)");
  if (auto done = cli::parse_arguments(app, "refguardd", argc, argv)) return *done;
  if (!shared_cache.empty()) {
    auto address = engine::parse_shared_cache_address(shared_cache);
    if (!address) {
      std::fprintf(stderr, "refguardd: %s\n", address.error().message.c_str());
      return cli::kUsageError;
    }
    if (!shared_cache_auth.empty())
      if (auto read = engine::read_shared_cache_auth(shared_cache_auth, *address); !read) {
        std::fprintf(stderr, "refguardd: %s\n", read.error().message.c_str());
        return cli::kUsageError;
      }
    options.shared_cache = *address;
  } else if (!shared_cache_auth.empty()) {
    std::fprintf(stderr, "refguardd: --shared-cache-auth needs --shared-cache\n");
    return cli::kUsageError;
  }
  // A peer that goes away (Redis killed mid-request) makes write(2) fail with
  // EPIPE instead of killing the daemon; Asio's sockets never raised it.
  std::signal(SIGPIPE, SIG_IGN);
  if (!config.empty()) {
    options.policy_path = config;
    options.policy_required = true;
  }
  options.limits.request_timeout = std::chrono::milliseconds(static_cast<long>(request_timeout * 1000));
  for (const auto& root : roots) {
    auto canonical = canonical_path(root);
    if (!canonical) {
      std::fprintf(stderr, "refguardd: --root %s\n", canonical.error().message.c_str());
      return cli::kUsageError;
    }
    options.allowed_roots.push_back(*canonical);
  }
  // Before anything is opened or created (socket, state directory, audit log):
  // every file the daemon makes belongs to the service user.
  auto running_as = server::become_service_user({user, options.allowed_roots, options.socket_path, options.state_dir});
  if (!running_as) {
    std::fprintf(stderr, "refguardd: %s\n", running_as.error().message.c_str());
    return 1;
  }
  try {
    if (running_as->root) log_warning("{}", running_as->how);
    else log_event("{}", running_as->how);
    log_event("allocator: {}", allocator_name());
    server::Server server(options);
    if (auto started = server.start(); !started) {
      log_error("cannot start: {}", started.error().message);
      return 1;
    }
    server.run();
  } catch (const std::exception& error) {
    log_error("fatal: {}", error.what());
    return 1;
  }
  log_event("stopped");
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "refguardd: fatal: %s\n", error.what());
  return 1;
}
