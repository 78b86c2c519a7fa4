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
#include "util/os_user.h"
#include "util/path.h"
#include "server/socket_path.h"
#include "util/log.h"
#include "util/number_text.h"
#include "util/version.h"

namespace refguard::server {

namespace {
// A push's limits and time budget as the engine's defaults; the roots served.
engine::PipelineOptions pipeline_options(const ServerOptions& options) {
  engine::PipelineOptions pipeline;
  pipeline.allowed_roots = options.allowed_roots;
  return pipeline;
}
}  // namespace

namespace {
ServerOptions with_defaults(ServerOptions options) {
  if (options.state_dir.empty()) options.state_dir = default_state_dir();
  return options;
}
}  // namespace

Server::Server(ServerOptions options)
    : options_(with_defaults(std::move(options))),
      acceptor_(io_, options_.socket_path, options_.connections),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      shutdown_timer_(io_),
      cache_save_timer_(io_),
      pool_(options_.threads),
      repositories_(options_.repository_cache),
      policies_(options_.policy_path, options_.policy_required),
      shared_cache_(options_.shared_cache
                        ? std::make_unique<engine::SharedScanCache>(engine::SharedCacheOptions{*options_.shared_cache})
                        : nullptr),
      scan_cache_(options_.scan_cache_entries, options_.scan_cache_bytes),
      pipeline_(repositories_, policies_, scan_cache_, pool_, pipeline_options(options_)),
      audit_(options_.audit_log.empty() ? engine::audit_log_in(options_.state_dir) : options_.audit_log),
      metrics_(io_, [this] { return prometheus_text(status_table(status_inputs())); }) {
  scan_cache_.set_shared(shared_cache_.get());
  pipeline_.share_commit_findings(shared_cache_.get());
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
  // A check still running after a forced shutdown uses pipeline_, the caches and the
  // audit log, which are destroyed before pool_ (declared first): wait for it here.
  // Found by TSan (a race on the commit changes cache at exit, test_faults).
  pool_.pool().stop();
  pool_.pool().join();
}

Expected<void> Server::start() {
  started_at_ = std::chrono::steady_clock::now();
  started_unix_seconds_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  log_line(LogLevel::kInfo, "refguardd starting", {{"version", std::string(kVersion)}, {"commit", std::string(kGitCommit)}});
  if (auto loaded = policies_.reload(); !loaded) return fail("cannot load the policy:\n" + loaded.error().message);
  stats_.record_reload(true, "");
  auto base = policies_.base_policy();
  log_line(LogLevel::kInfo, "policy loaded",
           {{"rules", std::to_string(base->rules().size())}, {"digest", base->digest()},
            {"sources", fmt::format("{}", fmt::join(base->sources(), " -> "))}});
  for (const auto& note : base->notes()) log_line(LogLevel::kNotice, "policy note", {{"note", note}});
  prepare_state_dir();
  auto access = PeerAccess::create(options_.allowed_users, options_.allowed_groups);
  if (!access) return std::unexpected(access.error());
  peer_access_ = std::move(*access);
  if (auto listening = acceptor_.listen(); !listening) return listening;
  if (options_.allowed_roots.empty())
    log_warning("no repository roots configured: serving any repository this user can read");
  else log_event("serving repositories under {}", fmt::join(options_.allowed_roots, ", "));
  log_event("clients allowed: {}", peer_access_.describe());
  log_line(LogLevel::kInfo, "listening",
           {{"socket", options_.socket_path}, {"from_systemd", acceptor_.socket_activated() ? "yes" : "no"},
            {"scan_threads", std::to_string(pool_.size())}});
  signals_.async_wait([this](const boost::system::error_code& e, int signal) {
    if (!e) on_signal(signal);
  });
  if (options_.metrics_port != 0) {
    // Metrics are for dashboards; checks never depend on them. A port that cannot
    // be bound (taken, or a unit without network access) is logged, not fatal.
    if (auto serving = metrics_.listen(options_.metrics_port); !serving)
      log_line(LogLevel::kError, "metrics unavailable; checks go on",
               {{"port", std::to_string(options_.metrics_port)}, {"error", serving.error().message}});
    else
      log_line(LogLevel::kInfo, "serving metrics", {{"url", fmt::format("http://127.0.0.1:{}/metrics", options_.metrics_port)}});
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
  if (!saved) log_warning("scan cache not saved: {}", saved.error().message);
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
    boost::asio::post(pool_.pool(), [this] { reload_policy("SIGHUP"); });
    signals_.async_wait([this](const boost::system::error_code& e, int next) {
      if (!e) on_signal(next);
    });
    return;
  }
  log_event("signal {}: shutting down", signal);
  begin_shutdown();
}

// A refused policy keeps the old one in force; both outcomes are counted
// (refguard_policy_reloads_total) so an alert can fire on a refused reload.
void Server::reload_policy(std::string_view why) {
  auto loaded = policies_.reload();
  stats_.record_reload(loaded.has_value(), loaded ? "" : loaded.error().message);
  if (loaded)
    log_line(LogLevel::kInfo, fmt::format("{}: policy reloaded", why), {{"digest", policies_.base_policy()->digest()}});
  else
    log_line(LogLevel::kError, fmt::format("{}: new policy refused, the old one stays in force", why),
             {{"error", loaded.error().message}, {"digest", policies_.base_policy()->digest()}});
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
    if (active_sessions_ > 0) log_warning("grace period over: abandoning {} connections", active_sessions_.load());
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
  if (error) log_warning("state directory {} is unusable ({}); continuing without it", options_.state_dir, error.message());
  if (shared_cache_) log_event("shared scan cache: {} (connecting in the background)", shared_cache_->address().text());
  auto loaded = engine::load_scan_cache(scan_cache_, scan_cache_path());
  if (loaded) log_event("scan cache: {} entries loaded from {}", *loaded, scan_cache_path());
  else log_warning("scan cache: {}", loaded.error().message);
  if (auto opened = audit_.open(); !opened) {
    stats_.record_audit_error();
    log_error("AUDIT LOG UNAVAILABLE: {}", opened.error().message);
  } else {
    log_event("audit log: {}", audit_.path());
  }
}

ipc::Verdict Server::handle_post_receive(const ipc::Request& request,
                                         const ipc::LineSink& send) {
  auto git_dir = canonical_path(request.repo_path);
  if (!git_dir) return ipc::Verdict::kAccept;  // post-receive cannot reject; nothing to note
  auto repository = repositories_.open(*git_dir);
  if (!repository) return ipc::Verdict::kAccept;
  auto updates = engine::ref_updates_of(request);
  if (!updates) return ipc::Verdict::kAccept;
  // Files written into a repository must belong to its owner: a daemon started as
  // root (or as another user) writes no notes there rather than leave files
  // the owner cannot change or `git gc` (service_user.h).
  if (auto owner = owner_of(*git_dir); !owner || *owner != ::geteuid()) {
    if (pending_notes_.discard(*git_dir, *updates) > 0) {
      send(ipc::LineKind::kInfo, engine::prefixed(fmt::format(
                                     "warnings not recorded as git notes: refguardd runs as {}, the repository belongs to {}",
                                     user_name(::geteuid()), owner ? user_name(*owner) : std::string("an unknown user"))));
      log_line(LogLevel::kWarning, "notes not written",
               {{"repo", *git_dir}, {"error", "the repository is not owned by the daemon's user; run refguard@" +
                                                  (owner ? user_name(*owner) : std::string("OWNER")) + " for it"}});
    }
    return ipc::Verdict::kAccept;
  }
  auto written = pending_notes_.write_landed(**repository, *updates);
  stats_.record_notes(written.notes);
  if (written.notes > 0) {
    send(ipc::LineKind::kInfo, engine::prefixed(fmt::format("findings attached to {} as git notes", counted(written.notes, "commit", "commits"))));
    log_line(LogLevel::kInfo, "notes written", {{"repo", *git_dir}, {"notes", std::to_string(written.notes)}});
  }
  for (const auto& problem : written.problems) log_line(LogLevel::kWarning, "notes not written", {{"repo", *git_dir}, {"error", problem}});
  return ipc::Verdict::kAccept;
}

ipc::Verdict Server::handle(const ipc::Request& request,
                            const ipc::LineSink& send) {
  if (request.command == "status") {
    send(ipc::LineKind::kData, status_json(status_table(status_inputs())).dump());
    return ipc::Verdict::kAccept;
  }
  if (request.command == "post-receive") return handle_post_receive(request, send);
  return pipeline_.check_push(request, send, push_effects()).verdict;
}

// The daemon applies every effect of a decision.
engine::PushEffects Server::push_effects() {
  engine::PushEffects effects;
  effects.audit = &audit_;
  effects.notes = &pending_notes_;
  effects.record_statistics = [this](const engine::CheckResult& result) {
    stats_.record_push(result.outcome(), std::chrono::milliseconds(result.duration_ms()), result.findings);
  };
  effects.on_audit = [this](bool written) { written ? stats_.record_audit_ok() : stats_.record_audit_error(); };
  effects.log = true;
  return effects;
}

StatusInputs Server::status_inputs() {
  StatusInputs in;
  in.stats = stats_.snapshot();
  in.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  in.start_unix_seconds = started_unix_seconds_;
  auto policy = policies_.base_policy();
  in.policy_digest = policy->digest();
  in.policy_sources = policy->sources();
  in.policy_rules = policy->rules().size();
  in.caches = {
      {"scan", "scan_cache", "entries", scan_cache_.size(), scan_cache_.bytes(), scan_cache_.hits(), scan_cache_.misses()},
      {"repository", "repository_cache", "open", repositories_.size(), std::nullopt, repositories_.hits(),
       repositories_.misses()},
      {"commit_changes", "commit_cache", "entries", pipeline_.commit_changes().size(), pipeline_.commit_changes().bytes(),
       std::nullopt, std::nullopt},
      {"commit_findings", "commit_findings_cache", "entries", pipeline_.commit_findings().size(),
       pipeline_.commit_findings().bytes(), std::nullopt, std::nullopt},
  };
  if (shared_cache_) {
    auto c = shared_cache_->counters();
    in.shared_cache = StatusInputs::SharedCache{shared_cache_->address().text(),
                                                c.connected,
                                                c.hits,
                                                c.misses,
                                                c.errors,
                                                c.stored,
                                                c.dropped,
                                                c.commit_hits,
                                                c.commit_misses};
  }
  in.active_connections = active_sessions_.load();
  in.pending_notes = pending_notes_.size();
  in.scan_threads = pool_.size();
  return in;
}

}  // namespace refguard::server
