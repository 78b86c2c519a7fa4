#pragma once
// What the hook does when the daemon gives no verdict (refguard.failMode).
#include <string>

#include "ipc/hook_config.h"

namespace refguard::hook {

/// Tells the pusher what happened and returns the hook's exit code.
/// `inline` execs `refguard check` with the same stdin and environment.
int follow_fail_mode(const ipc::HookConfig& config, const std::string& hook_name, const std::string& why,
                     const std::string& stdin_text);

}  // namespace refguard::hook
