// `refguard status [--socket PATH]`: asks the daemon for its health and counters.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "ipc/reply.h"
#include "ipc/request.h"
#include "ipc/unix_client.h"

namespace refguard::cli {

namespace {

struct StatusOptions {
  std::string socket = "/run/refguard/refguard.sock";
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

int run_status(const StatusOptions& options) {
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
  std::printf("%s\n", options.json ? json.dump().c_str() : json.dump(2).c_str());
  return 0;
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto options = std::make_shared<StatusOptions>();
  auto* command = app.add_subcommand("status", "show the daemon's health and counters");
  command->add_option("--socket", options->socket, "refguardd's socket path");
  command->add_flag("--json", options->json, "one line of JSON");
  return [options] { return run_status(*options); };
}

}  // namespace refguard::cli
