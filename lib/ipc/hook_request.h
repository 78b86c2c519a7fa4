#pragma once
// Builds the request a hook sends from what git gives a hook: the ref updates
// on stdin and the environment. Only the whitelisted quarantine variables,
// the push options and the pusher's name are taken; nothing else leaves.
// Shared by the hook and by `refguard check` (the inline fail mode).
#include <string>

#include "ipc/request.h"

namespace refguard::ipc {

Expected<Request> request_from_hook(const std::string& hook, const std::string& repo_path,
                                    const std::string& stdin_text);

}  // namespace refguard::ipc
