#include "daemon_call.h"

#include <cstdio>

#include "ipc/unix_client.h"

namespace refguard::hook {

namespace {
// GitLab shows a failing hook's lines in its web UI only when they start with "GL-HOOK-ERR: ".
void print_line(const ipc::ReplyLine& line, bool gl_hook_err) {
  std::string text = gl_hook_err ? "GL-HOOK-ERR: " + line.text : line.text;
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
  // A daemon that refuses us answers before reading: read its answer even if sending failed.
  auto sent = client->send_all(encoded_request, deadline);
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
      answer.failure = sent ? "the daemon closed the connection before its verdict" : sent.error().message;
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
      if (event->line) {
        print_line(*event->line, config.gl_hook_err);
        // refguard.timeout bounds a silent daemon, not a working one: a long
        // check (an import of a history) sends progress lines all along, and
        // the daemon's own time budget bounds the check.
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.timeout_ms);
      }
      if (event->end) {
        answer.verdict = parser.verdict();
        return answer;
      }
    }
  }
}

}  // namespace refguard::hook
