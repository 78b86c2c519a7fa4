#pragma once
// Puts refguard-hook into a hooks directory beside the hooks already there,
// and takes it out again leaving that directory as it was.
//
// Two shapes of hook directory:
//   - direct: git (or a forge) runs DIR/NAME: a repository's hooks/, a
//     core.hooksPath directory, gitolite's hooks/common/.
//       * no DIR/NAME: DIR/NAME becomes a symlink to refguard-hook;
//       * a foreign DIR/NAME: it is renamed, untouched (same inode, bytes,
//         mode), to DIR/refguard-chained/NAME, and DIR/NAME becomes a small
//         sh wrapper that feeds the same stdin to that hook and to
//         refguard-hook and fails if either fails. With `replace_foreign`
//         DIR/NAME becomes the symlink instead and the original is kept,
//         not run.
//   - drop-in: a multiplexer runs every file of DIR/NAME.d (Gitea's hooks,
//     GitLab's custom_hooks): DIR/NAME.d/refguard, a symlink to refguard-hook.
//     A foreign file of that name is moved to DIR/refguard-chained/NAME.d/
//     only with `replace_foreign`.
// Removing restores every moved file with rename(2), so it comes back
// byte-identical with its mode; directories refguard created are removed
// when they are empty again.
#include <filesystem>
#include <string>

#include "util/error.h"

namespace refguard::cli {

/// The hooks refguard installs.
inline constexpr const char* kHookNames[] = {"pre-receive", "post-receive"};
/// Where replaced hooks are kept, inside the hooks directory.
inline constexpr const char* kChainedDir = "refguard-chained";
/// The drop-in file's name in NAME.d directories.
inline constexpr const char* kDropInName = "refguard";

/// Installs `hook` ("pre-receive" / "post-receive") into the direct hooks
/// directory `dir`; `binary` is refguard-hook's absolute path. Returns what
/// was done ("installed", "chained with the existing hook", ...).
Expected<std::string> install_direct_hook(const std::filesystem::path& dir, const std::string& hook,
                                          const std::string& binary, bool replace_foreign);
/// Undoes install_direct_hook. Returns what was done ("" when nothing of ours was there).
Expected<std::string> uninstall_direct_hook(const std::filesystem::path& dir, const std::string& hook);

/// Installs `dir`/`hook`.d/refguard, creating the .d directory when `create` is set.
Expected<std::string> install_drop_in_hook(const std::filesystem::path& dir, const std::string& hook,
                                           const std::string& binary, bool replace_foreign, bool create);
/// Undoes install_drop_in_hook; removes the .d directory when `remove_empty_dir`
/// is set and it is empty afterwards.
Expected<std::string> uninstall_drop_in_hook(const std::filesystem::path& dir, const std::string& hook,
                                             bool remove_empty_dir);

/// Removes `dir` when it is an empty directory.
Expected<void> remove_if_empty(const std::filesystem::path& dir);

/// True when `path` is refguard's: a symlink to a refguard-hook or a chaining wrapper.
bool is_refguard_hook(const std::filesystem::path& path);

/// The chaining wrapper's text for `hook`.
std::string chain_wrapper_text(const std::string& hook, const std::string& binary);

}  // namespace refguard::cli
