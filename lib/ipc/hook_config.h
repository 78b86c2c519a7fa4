#pragma once
// The hook's settings, read from git config files without running git or
// linking libgit2 (the hook must start in about a millisecond).
// Only the [refguard] section is read; later files override earlier ones:
// /etc/gitconfig, then $HOME/.gitconfig, then the repository's own config.
// include/includeIf directives are not followed.
#include <optional>
#include <string>
#include <string_view>

namespace refguard::ipc {

enum class FailMode { kInline, kReject, kAccept };

struct HookConfig {
  std::string socket_path = "/run/refguard/refguard.sock";
  FailMode fail_mode = FailMode::kInline;
  int timeout_ms = 10000;
  std::string cli_path;      // refguard binary for the inline mode; empty = beside the hook
  std::string policy_path;   // --config for the inline mode; empty = the CLI's default
  std::string audit_log;     // --audit-log for the inline mode; empty = the CLI's default (the daemon's default)
  bool gl_hook_err = false;  // refguard.glHookErr: prefix the daemon's lines for GitLab's web UI
  std::string problems;      // unparseable values, reported to the pusher
};

std::optional<FailMode> parse_fail_mode(std::string_view text);
std::string_view to_string(FailMode mode);

/// Applies the [refguard] keys found in one config file's text.
void apply_git_config_text(std::string_view text, HookConfig& config);
/// Reads the standard files for a repository whose git dir is `git_dir`.
HookConfig load_hook_config(const std::string& git_dir);

}  // namespace refguard::ipc
