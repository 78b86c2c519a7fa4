// `refguard status [--socket PATH] [--json]`: asks the daemon for its health
// and counters; a short summary for people, or the daemon's JSON with --json.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

#include <unistd.h>

#include "cli/commands.h"
#include "ipc/reply.h"
#include "ipc/request.h"
#include "ipc/unix_client.h"
#include "util/os_user.h"

namespace refguard::cli {

namespace {

struct StatusOptions {
  std::string socket;        // "" = the socket of service_user's daemon
  std::string service_user;  // "" = the user running this command
  bool json = false;
};

Expected<std::string> ask_status(const std::string& socket) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto client = ipc::UnixClient::connect(socket, deadline);
  if (!client) return std::unexpected(client.error());
  ipc::Request request;
  request.command = "status";
  auto encoded = ipc::encode_request(request);
  if (!encoded) return std::unexpected(encoded.error());
  // A daemon that refuses us answers before reading: read its answer even if sending failed.
  auto sent = client->send_all(*encoded, deadline);
  ipc::PktDecoder decoder;
  ipc::ReplyParser parser;
  std::string data;
  char buffer[8192];
  for (;;) {
    auto got = client->read_some(buffer, sizeof(buffer), deadline);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) return fail(sent ? "the daemon closed the connection early" : sent.error().message);
    if (!decoder.feed(std::string_view(buffer, *got))) return fail(decoder.error());
    while (auto pkt = decoder.next()) {
      auto event = parser.consume(*pkt);
      if (!event) return fail(parser.error());
      if (event->line && event->line->kind == ipc::LineKind::kData) data += event->line->text;
      if (event->line && event->line->kind == ipc::LineKind::kError) return fail(event->line->text);
      if (event->end) return data;
    }
  }
}

std::string plural(uint64_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string duration_text(double seconds) {
  auto s = static_cast<uint64_t>(seconds);
  if (s >= 86400) return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m {}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string utc_text(double unix_seconds) {
  auto when = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&when, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &utc);
  return stamp;
}

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// The few lines an admin reads first; everything else is in --json.
std::string summary(const nlohmann::json& s) {
  auto u = [&](const nlohmann::json& at, const char* key) { return at.value(key, uint64_t{0}); };
  std::string out;
  std::string commit = s.value("commit", "");
  out += fmt::format("refguardd {}{}, up {} (since {})\n", s.value("version", "?"),
                     commit.empty() ? "" : " (commit " + commit + ")", duration_text(s.value("uptime_seconds", 0.0)),
                     utc_text(s.value("start_time_seconds", 0.0)));
  const auto& policy = s["policy"];
  out += fmt::format("policy:   {} rules, digest {}, from {}\n", u(policy, "rules"), policy.value("digest", "?"),
                     policy.value("sources", "?"));
  const auto& reload = policy["last_reload"];
  if (reload.value("ok", true))
    out += fmt::format("          last loaded {}\n", utc_text(reload.value("time_seconds", 0.0)));
  else
    out += fmt::format("          LAST RELOAD FAILED at {} (the previous policy stays in force): {}\n",
                       utc_text(reload.value("time_seconds", 0.0)), reload.value("error", ""));
  const auto& pushes = s["pushes"];
  const auto& ms = s["scan_time_ms"];
  out += fmt::format("pushes:   {} checked: {} accepted, {} rejected, {} bypassed, {} timed out, {} failed\n",
                     u(s, "pushes_checked"), u(pushes, "accept"), u(pushes, "reject"), u(pushes, "bypass"),
                     u(pushes, "timeout"), u(pushes, "error"));
  out += fmt::format("          check time p50 {} ms, p90 {} ms, p99 {} ms (last 1024 pushes)\n", ms.value("p50", 0.0),
                     ms.value("p90", 0.0), ms.value("p99", 0.0));
  const auto& scan = s["scan_cache"];
  const auto& repos = s["repository_cache"];
  uint64_t lookups = u(scan, "hits") + u(scan, "misses");
  out += fmt::format("caches:   scan {} ({}, {}% hits), {} open, commits {} ({}), findings {} ({})\n",
                     plural(u(scan, "entries"), "entry", "entries"), mib(u(scan, "bytes")),
                     lookups == 0 ? 0 : u(scan, "hits") * 100 / lookups,
                     plural(u(repos, "open"), "repository", "repositories"), u(s["commit_cache"], "entries"),
                     mib(u(s["commit_cache"], "bytes")), u(s["commit_findings_cache"], "entries"),
                     mib(u(s["commit_findings_cache"], "bytes")));
  if (s.contains("shared_cache")) {
    const auto& shared = s["shared_cache"];
    out += fmt::format("shared cache: {} {}, {} hits, {} misses (blobs), {} hits, {} misses (commits), {} stored, "
                       "{} errors\n",
                       shared.value("address", "?"),
                       shared.value("connected", false) ? "connected" : "UNREACHABLE (local cache only)",
                       u(shared, "hits"), u(shared, "misses"), u(shared, "commit_hits"), u(shared, "commit_misses"),
                       u(shared, "stored"), u(shared, "errors"));
  }
  out += fmt::format("daemon:   {} open, {} scan threads, {} pending, {} written\n",
                     plural(u(s, "active_connections"), "connection", "connections"), u(s, "scan_threads"),
                     plural(u(s, "pending_notes"), "note", "notes"), plural(u(s, "notes_written"), "note", "notes"));
  if (u(s, "audit_errors") > 0 || !s.value("audit_log_writable", true))
    out += fmt::format("AUDIT LOG: {} failed write(s){}\n", u(s, "audit_errors"),
                       s.value("audit_log_writable", true) ? "" : ", the last one failed");
  if (u(s, "protocol_errors") > 0)
    out += fmt::format("refused:  {}\n", plural(u(s, "protocol_errors"), "connection", "connections"));
  return out;
}

int run_status(StatusOptions options) {
  if (options.socket.empty())
    options.socket = instance_socket_path(options.service_user.empty() ? user_name(::geteuid()) : options.service_user);
  auto status = ask_status(options.socket);
  if (!status) {
    std::fprintf(stderr, "refguard status: daemon at %s is not answering: %s\n", options.socket.c_str(),
                 status.error().message.c_str());
    return 1;
  }
  auto json = nlohmann::json::parse(*status, nullptr, false);
  if (json.is_discarded()) {
    std::fprintf(stderr, "refguard status: malformed answer\n");
    return 1;
  }
  std::string text = options.json ? json.dump() + "\n" : summary(json);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto options = std::make_shared<StatusOptions>();
  auto* command = app.add_subcommand("status", "show the daemon's health and counters");
  command->add_option("--socket", options->socket, "refguardd's socket path (default: /run/refguard/SERVICE_USER.sock)");
  command->add_option("--service-user", options->service_user,
                      "ask the daemon of this service user (refguard@USER; default: yourself)");
  command->add_flag("--json", options->json, "print every value as one line of JSON (what /metrics exports too)");
  return [options] { return run_status(*options); };
}

}  // namespace refguard::cli
