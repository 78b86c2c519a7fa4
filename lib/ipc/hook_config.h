#pragma once
// The hook's settings: the refguard.* keys of the repository's git config.
//
// They are read by asking git (`git config --get-regexp`, ipc/git_config_query.h)
// rather than by parsing config files ourselves. Why: what git reads depends
// on include.path, includeIf with gitdir:, gitdir/i:, onbranch: and
// hasconfig:remote.*.url: conditions, $XDG_CONFIG_HOME/git/config,
// GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM, and `git -c` or
// GIT_CONFIG_COUNT given to receive-pack (GIT_CONFIG_PARAMETERS), and on the
// git version; a second reader would get some of it subtly wrong, and a
// setting an admin sees in `git config` but the hook misses can turn
// failMode=reject into an unchecked push. The hook runs under receive-pack,
// with git's exec-path on PATH, so the git it asks is the git that reads the
// same files for the push. The price is one fork+exec of git per hook run
// (bench/README.md: "Issue 14: the hook asks git for its settings").
//
// When git cannot be asked (not on PATH, killed, too much output) the hook
// uses the defaults below, which check the push inline, and says so in
// `problems`: a push is never waved through because the settings were unreadable.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::ipc {

enum class FailMode { kInline, kReject, kAccept };

struct HookConfig {
  std::string socket_path;   // refguard.socket; load_hook_config defaults it to the repository owner's daemon
  FailMode fail_mode = FailMode::kInline;
  int timeout_ms = 10000;
  std::string cli_path;      // refguard binary for the inline mode; empty = beside the hook
  std::string policy_path;   // --config for the inline mode; empty = the CLI's default
  std::string audit_log;     // --audit-log for the inline mode; empty = the CLI's default (the daemon's default)
  bool gl_hook_err = false;  // refguard.glHookErr: prefix the daemon's lines for GitLab's web UI
  std::string pusher_from;   // refguard.pusherFrom as written ("GL_USER"); empty = every known variable
  std::vector<std::string> pusher_variables;  // pusher_from, parsed
  std::string problems;      // unreadable config and unparseable values, reported to the pusher
};

std::optional<FailMode> parse_fail_mode(std::string_view text);
std::string_view to_string(FailMode mode);

/// Applies the refguard.* entries of a `git config -z --get-regexp` listing
/// (ipc/git_config_query.h). As in git, the last value of a key wins; only
/// that value is checked, so a bad value overridden later is no problem.
/// Keys of a subsection ([refguard "x"]) and unknown keys are ignored.
void apply_git_config_listing(std::string_view listing, HookConfig& config);

/// The settings git gives the repository whose git dir is `git_dir`, asking
/// the program `git` (looked up on PATH). On failure: the defaults and a problem.
HookConfig load_hook_config(const std::string& git_dir, const std::string& git = "git");

}  // namespace refguard::ipc
