#include "server/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <csignal>
#include <filesystem>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/report.h"
#include "engine/scan_cache_file.h"
#include "engine/push_target.h"
#include "server/socket_path.h"
#include "util/log.h"

namespace refguard::server {

namespace {
std::string verdict_word(ipc::Verdict verdict) { return verdict == ipc::Verdict::kAccept ? "accept" : "reject"; }
}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      acceptor_(io_, options_.socket_path, options_.connections),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      shutdown_timer_(io_),
      cache_save_timer_(io_),
      pool_(options_.threads),
      repositories_(options_.repository_cache),
      policies_(options_.policy_path, options_.policy_required),
      scan_cache_(options_.scan_cache_entries, options_.scan_cache_bytes),
      checker_(repositories_, policies_, scan_cache_, pool_, engine::CheckerOptions{options_.allowed_roots}),
      audit_(options_.audit_log.empty() ? options_.state_dir + "/audit.jsonl" : options_.audit_log),
      metrics_(io_, [this] { return prometheus_text(); }) {
  session_context_.limits = options_.limits;
  session_context_.handler = [this](const ipc::Request& request, const auto& send) { return handle(request, send); };
  session_context_.run_on_pool = [this](std::function<void()> work) { boost::asio::post(pool_.pool(), std::move(work)); };
  session_context_.on_protocol_error = [this](const std::string& why) {
    stats_.record_protocol_error();
    refused_log_.log("protocol", "connection refused: " + why);
  };
  session_context_.active = &active_sessions_;
}

Server::~Server() {
  acceptor_.close();
  // A check still running after a forced shutdown uses checker_, the caches and the
  // audit log, which are destroyed before pool_ (declared first): wait for it here.
  // Found by TSan (a race on the commit changes cache at exit, test_faults).
  pool_.pool().stop();
  pool_.pool().join();
}

Expected<void> Server::start() {
  started_at_ = std::chrono::steady_clock::now();
  if (auto loaded = policies_.reload(); !loaded) return fail("cannot load the policy:\n" + loaded.error().message);
  auto base = policies_.base_policy();
  log_event("policy loaded: {} rules, digest {} ({})", base->rules().size(), base->digest(),
            fmt::join(base->sources(), " -> "));
  for (const auto& note : base->notes()) log_event("policy note: {}", note);
  prepare_state_dir();
  auto access = PeerAccess::create(options_.allowed_users, options_.allowed_groups);
  if (!access) return std::unexpected(access.error());
  peer_access_ = std::move(*access);
  if (auto listening = acceptor_.listen(); !listening) return listening;
  if (options_.allowed_roots.empty())
    log_event("no repository roots configured: serving any repository this user can read");
  else log_event("serving repositories under {}", fmt::join(options_.allowed_roots, ", "));
  log_event("clients allowed: {}", peer_access_.describe());
  log_event("listening on {}{} with {} scan threads", options_.socket_path,
            acceptor_.socket_activated() ? " (socket from systemd)" : "", pool_.size());
  signals_.async_wait([this](const boost::system::error_code& e, int signal) {
    if (!e) on_signal(signal);
  });
  if (options_.metrics_port != 0) {
    if (auto serving = metrics_.listen(options_.metrics_port); !serving) return serving;
    log_event("metrics on http://127.0.0.1:{}/metrics", options_.metrics_port);
  }
  acceptor_.start([this](Socket socket, const PeerCredentials* peer) { return admit(std::move(socket), peer); },
                   [this](Socket socket, const std::string& why) { refuse(std::move(socket), why); });
  schedule_cache_save();
  return {};
}

void Server::save_scan_cache_now() {
  if (scan_cache_.misses() == cache_misses_at_save_) return;  // nothing new since the last save
  cache_misses_at_save_ = scan_cache_.misses();
  auto saved = engine::save_scan_cache(scan_cache_, scan_cache_path());
  if (!saved) log_event("scan cache not saved: {}", saved.error().message);
}

void Server::schedule_cache_save() {
  cache_save_timer_.expires_after(std::chrono::seconds(60));
  cache_save_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    // Snapshot on the I/O thread is quick; the write is small next to a push.
    save_scan_cache_now();
    schedule_cache_save();
  });
}

void Server::run() { io_.run(); }

std::shared_ptr<Session> Server::admit(Socket socket, const PeerCredentials* peer) {
  stats_.record_connection();
  auto session = std::make_shared<Session>(std::move(socket), session_context_);
  if (!peer || !peer_access_.allows(*peer)) {
    std::string why = peer ? fmt::format("uid {} (pid {}) is not allowed to use this daemon", peer->uid, peer->pid)
                           : std::string("the kernel did not say who connected");
    refused_log_.log("peer", "connection refused: " + why);
    stats_.record_protocol_error();
    session->start_refused("refused: " + why + "; ask the server admin");
    return nullptr;
  }
  session->start();
  return session;
}

void Server::refuse(Socket client, const std::string& why) {
  stats_.record_connection();
  stats_.record_protocol_error();
  auto session = std::make_shared<Session>(std::move(client), session_context_);
  session->start_refused(why);
}

void Server::on_signal(int signal) {
  if (signal == SIGHUP) {
    // Compiling a policy takes a while; the I/O thread keeps accepting meanwhile.
    boost::asio::post(pool_.pool(), [this] {
      auto loaded = policies_.reload();
      if (loaded) log_event("SIGHUP: policy reloaded (digest {})", policies_.base_policy()->digest());
      else log_event("SIGHUP: new policy refused, the old one stays in force: {}", loaded.error().message);
    });
    signals_.async_wait([this](const boost::system::error_code& e, int next) {
      if (!e) on_signal(next);
    });
    return;
  }
  log_event("signal {}: shutting down", signal);
  begin_shutdown();
}

void Server::begin_shutdown() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close();  // removes the socket file; systemd's socket outlives us
  metrics_.close();
  signals_.cancel(ignored);
  wait_for_sessions(std::chrono::steady_clock::now() + options_.shutdown_grace);
}

void Server::wait_for_sessions(std::chrono::steady_clock::time_point force_at) {
  if (active_sessions_ == 0 || std::chrono::steady_clock::now() >= force_at) {
    if (active_sessions_ > 0) log_event("grace period over: abandoning {} connections", active_sessions_.load());
    else log_event("all connections finished");
    cache_save_timer_.cancel();
    save_scan_cache_now();
    io_.stop();
    return;
  }
  shutdown_timer_.expires_after(std::chrono::milliseconds(20));
  shutdown_timer_.async_wait([this, force_at](const boost::system::error_code&) { wait_for_sessions(force_at); });
}

// A missing or unwritable state directory is reported, never fatal: verdicts
// do not depend on it.
void Server::prepare_state_dir() {
  std::error_code error;
  std::filesystem::create_directories(options_.state_dir, error);
  if (error) log_event("state directory {} is unusable ({}); continuing without it", options_.state_dir, error.message());
  auto loaded = engine::load_scan_cache(scan_cache_, scan_cache_path());
  if (loaded) log_event("scan cache: {} entries loaded from {}", *loaded, scan_cache_path());
  else log_event("scan cache: {}", loaded.error().message);
  if (auto opened = audit_.open(); !opened) {
    stats_.record_audit_error();
    log_event("AUDIT LOG UNAVAILABLE: {}", opened.error().message);
  } else {
    log_event("audit log: {}", audit_.path());
  }
}

ipc::Verdict Server::handle_post_receive(const ipc::Request& request,
                                         const std::function<void(ipc::LineKind, const std::string&)>& send) {
  auto git_dir = engine::canonical_path(request.repo_path);
  if (!git_dir) return ipc::Verdict::kAccept;  // post-receive cannot reject; nothing to note
  auto repository = repositories_.open(*git_dir);
  if (!repository) return ipc::Verdict::kAccept;
  auto written = pending_notes_.write_landed(**repository, request.updates);
  stats_.record_notes(written.notes);
  if (written.notes > 0) {
    send(ipc::LineKind::kInfo, engine::prefixed(fmt::format("findings attached to {} commit(s) as git notes", written.notes)));
    log_event("notes written repo={} notes={}", *git_dir, written.notes);
  }
  for (const auto& problem : written.problems) log_event("notes: {}", problem);
  return ipc::Verdict::kAccept;
}

ipc::Verdict Server::handle(const ipc::Request& request,
                            const std::function<void(ipc::LineKind, const std::string&)>& send) {
  if (request.command == "status") {
    send(ipc::LineKind::kData, status_json());
    return ipc::Verdict::kAccept;
  }
  if (request.command == "post-receive") return handle_post_receive(request, send);
  auto started = std::chrono::steady_clock::now();
  engine::CheckResult result = checker_.check(request, send);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  bool landed_by_bypass = result.verdict == ipc::Verdict::kAccept && result.bypassed > 0;
  stats_.record_push(result.verdict == ipc::Verdict::kReject, landed_by_bypass, !result.error.empty(), elapsed);
  if (auto audited = audit_.append(engine::audit_record(request, result, elapsed.count())); !audited) {
    stats_.record_audit_error();
    log_event("AUDIT LOG WRITE FAILED (verdict unaffected): {}", audited.error().message);
    send(ipc::LineKind::kWarning, engine::prefixed("the audit log could not be written; the server admin is told"));
  }
  if (result.verdict == ipc::Verdict::kAccept && !result.repository.empty()) {
    if (auto policy = policies_.base_policy())
      pending_notes_.remember(result.repository, result.notes_ref.empty() ? policy->settings().notes_ref : result.notes_ref,
                              request.updates, result.findings);
  }
  log_event("push {} repo={} pusher={} refs={} commits={} files={} findings={} cache_hits={} commits_known={} {}ms{}",
            verdict_word(result.verdict), result.repository.empty() ? request.repo_path : result.repository,
            request.pusher.empty() ? "-" : request.pusher, request.updates.size(), result.commits, result.files,
            result.findings.size(), result.cache_hits, result.commits_known, elapsed.count(),
            result.error.empty() ? "" : " error: " + result.error);
  return result.verdict;
}

std::string Server::prometheus_text() {
  auto s = stats_.snapshot();
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help, double value) {
    out += fmt::format("# HELP refguard_{0} {1}\n# TYPE refguard_{0} {2}\nrefguard_{0} {3}\n", name, help, type, value);
  };
  metric("pushes_checked_total", "counter", "Pushes checked.", static_cast<double>(s.pushes));
  metric("pushes_rejected_total", "counter", "Pushes rejected.", static_cast<double>(s.rejected));
  metric("pushes_bypassed_total", "counter", "Pushes that landed by an audited bypass.", static_cast<double>(s.bypassed));
  metric("check_errors_total", "counter", "Checks that failed (and rejected).", static_cast<double>(s.failed));
  metric("protocol_errors_total", "counter", "Connections refused for bad input.", static_cast<double>(s.protocol_errors));
  metric("audit_errors_total", "counter", "Audit records that could not be written.", static_cast<double>(s.audit_errors));
  metric("scan_cache_hits_total", "counter", "Scan cache hits.", static_cast<double>(scan_cache_.hits()));
  metric("scan_cache_misses_total", "counter", "Scan cache misses.", static_cast<double>(scan_cache_.misses()));
  metric("scan_cache_entries", "gauge", "Scan cache entries.", static_cast<double>(scan_cache_.size()));
  metric("scan_cache_bytes", "gauge", "Scan cache size, approximate bytes.", static_cast<double>(scan_cache_.bytes()));
  metric("repository_cache_open", "gauge", "Repositories kept open.", static_cast<double>(repositories_.size()));
  metric("commit_cache_entries", "gauge", "Commits whose changes are cached.",
         static_cast<double>(checker_.commit_changes().size()));
  metric("commit_cache_bytes", "gauge", "Commit cache size, approximate bytes.",
         static_cast<double>(checker_.commit_changes().bytes()));
  metric("commit_findings_cache_entries", "gauge", "Commits judged under a policy, cached.",
         static_cast<double>(checker_.commit_findings().size()));
  out += "# HELP refguard_check_seconds Push check time over the last 1024 pushes.\n# TYPE refguard_check_seconds summary\n";
  out += fmt::format("refguard_check_seconds{{quantile=\"0.5\"}} {}\nrefguard_check_seconds{{quantile=\"0.9\"}} {}\n"
                     "refguard_check_seconds{{quantile=\"0.99\"}} {}\n",
                     s.p50_ms / 1000, s.p90_ms / 1000, s.p99_ms / 1000);
  return out;
}

std::string Server::status_json() {
  auto s = stats_.snapshot();
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at_);
  nlohmann::json json = {
      {"uptime_seconds", uptime.count()},
      {"connections", s.connections},
      {"pushes_checked", s.pushes},
      {"pushes_rejected", s.rejected},
      {"pushes_accepted", s.accepted},
      {"pushes_bypassed", s.bypassed},
      {"check_errors", s.failed},
      {"audit_errors", s.audit_errors},
      {"notes_written", s.notes_written},
      {"pending_notes", pending_notes_.size()},
      {"protocol_errors", s.protocol_errors},
      {"scan_time_ms", {{"p50", s.p50_ms}, {"p90", s.p90_ms}, {"p99", s.p99_ms}}},
      {"scan_cache", {{"entries", scan_cache_.size()}, {"bytes", scan_cache_.bytes()}, {"hits", scan_cache_.hits()},
                      {"misses", scan_cache_.misses()}}},
      {"repository_cache", {{"open", repositories_.size()}, {"hits", repositories_.hits()},
                            {"misses", repositories_.misses()}}},
      {"commit_cache", {{"entries", checker_.commit_changes().size()}, {"bytes", checker_.commit_changes().bytes()}}},
      {"commit_findings_cache",
       {{"entries", checker_.commit_findings().size()}, {"bytes", checker_.commit_findings().bytes()}}},
      {"active_connections", active_sessions_.load()},
      {"scan_threads", pool_.size()},
      {"policy_digest", policies_.base_policy()->digest()},
  };
  return json.dump();
}

}  // namespace refguard::server
