#pragma once
// The git config keys `refguard install` writes (refguard.socket,
// receive.advertisePushOptions, ...) and `refguard uninstall` removes, in
// one config file: a repository's config, ~/.gitconfig or /etc/gitconfig.
// The hook reads them with ipc/hook_config.h.
#include <string>

#include "util/error.h"

namespace refguard::cli {

/// What `refguard install` writes into a git config file.
struct HookSettings {
  std::string socket;
  std::string fail_mode;   // empty: leave unset
  std::string policy;      // refguard.config, empty: leave unset
  std::string hooks_path;  // core.hooksPath, empty: leave unset
  bool gl_hook_err = false;
  std::string audit_log;   // refguard.auditLog (the inline check's audit log), empty: leave unset
  std::string cli;         // refguard.cli: the CLI the inline fail mode runs, empty: leave unset
  std::string pusher_from; // refguard.pusherFrom: the variables naming the pusher, empty: leave unset
};
/// Writes the settings into the config file at `path` (created when missing).
/// receive.advertisePushOptions and core.hooksPath keep their earlier value
/// in refguard.prior* so that erase_settings can put it back.
Expected<void> write_settings(const std::string& path, const HookSettings& settings);
/// Removes what write_settings wrote and restores the prior values.
Expected<void> erase_settings(const std::string& path);
/// The `git config` commands that apply the settings, for the admin to run.
std::string settings_as_commands(const HookSettings& settings, const std::string& scope);
/// The `git config --unset` commands that undo them.
std::string erase_as_commands(const std::string& scope, bool hooks_path);

}  // namespace refguard::cli
