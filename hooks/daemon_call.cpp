#include "daemon_call.h"

#include <cstdio>

#include "ipc/unix_client.h"

namespace refguard::hook {

namespace {
void print_line(const ipc::ReplyLine& line) {
  std::string text = line.text;
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}
}  // namespace

DaemonAnswer call_daemon(const ipc::HookConfig& config, const std::string& encoded_request) {
  DaemonAnswer answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.timeout_ms);
  auto client = ipc::UnixClient::connect(config.socket_path, deadline);
  if (!client) {
    answer.failure = client.error().message;
    return answer;
  }
  answer.reached = true;
  if (auto sent = client->send_all(encoded_request, deadline); !sent) {
    answer.failure = sent.error().message;
    return answer;
  }
  ipc::PktDecoder decoder;
  ipc::ReplyParser parser;
  char buffer[16384];
  for (;;) {
    auto got = client->read_some(buffer, sizeof(buffer), deadline);
    if (!got) {
      answer.failure = got.error().message;
      return answer;
    }
    if (*got == 0) {
      answer.failure = "the daemon closed the connection before its verdict";
      return answer;
    }
    if (!decoder.feed(std::string_view(buffer, *got))) {
      answer.failure = "malformed answer from the daemon: " + decoder.error();
      return answer;
    }
    while (auto pkt = decoder.next()) {
      auto event = parser.consume(*pkt);
      if (!event) {
        answer.failure = "malformed answer from the daemon: " + parser.error();
        return answer;
      }
      if (event->line) print_line(*event->line);
      if (event->end) {
        answer.verdict = parser.verdict();
        return answer;
      }
    }
  }
}

}  // namespace refguard::hook
