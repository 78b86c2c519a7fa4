#pragma once
// Builds the request a hook sends from what git gives a hook: the ref updates
// on stdin and the environment. Only the whitelisted quarantine variables,
// the push options and the pusher's name are taken; nothing else leaves.
// Shared by the hook and by `refguard check` (the inline fail mode).
#include <string>
#include <vector>

#include "ipc/request.h"

namespace refguard::ipc {

/// `pusher_variables`: the variables this server's forge sets, in order
/// (refguard.pusherFrom, written by `refguard install` per layout); only
/// those are read, so a variable the forge does not set (REMOTE_USER on a
/// gitolite server) cannot name the pusher. Empty: every kPusherVariables,
/// in its order.
Expected<Request> request_from_hook(const std::string& hook, const std::string& repo_path,
                                    const std::string& stdin_text,
                                    const std::vector<std::string>& pusher_variables = {});

/// Parses "GL_USERNAME,GL_ID" (commas or spaces): each must be one of
/// kPusherVariables, or the error names it.
Expected<std::vector<std::string>> parse_pusher_variables(std::string_view text);

}  // namespace refguard::ipc
