#pragma once
// Sends one request to the daemon and relays its lines to the pusher as they arrive.
#include <optional>
#include <string>

#include "ipc/hook_config.h"
#include "ipc/reply.h"

namespace refguard::hook {

struct DaemonAnswer {
  std::optional<ipc::Verdict> verdict;  // empty: the daemon could not give one
  std::string failure;                  // why, when there is no verdict
  bool reached = false;                 // true once connected (lines may have been shown)
};

/// Writes every line of the reply to stderr (git shows it as "remote: ...").
DaemonAnswer call_daemon(const ipc::HookConfig& config, const std::string& encoded_request);

}  // namespace refguard::hook
