#pragma once
// Where refguard's hooks go on each kind of git server, shared by
// `refguard install` and `refguard uninstall`:
//   plain       REPO/hooks/{pre,post}-receive                (default; --all ROOT)
//   hooks-path  DIR/{pre,post}-receive, core.hooksPath = DIR  (--hooks-path DIR)
//   gitolite    $LOCAL_CODE/hooks/common or ~/.gitolite/hooks/common, then
//               `gitolite setup --hooks-only`                 (--gitolite)
//   gitea       REPO/hooks/{pre,post}-receive.d/refguard       (--gitea)
//   gitlab      REPO/custom_hooks/{pre,post}-receive.d/refguard (--gitlab)
//   gitlab-server DIR/{pre,post}-receive.d/refguard            (--gitlab-server-hooks DIR)
// and which git config file carries refguard.socket and friends: each
// repository's own, or one shared file (--git-config FILE; gitolite's default
// is the hosting user's ~/.gitconfig).
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace refguard::cli {

enum class Layout { kPlain, kHooksPath, kGitolite, kGitea, kGitlab, kGitlabServer };

struct LayoutOptions {
  std::vector<std::string> repos;
  std::vector<std::string> roots;       // --all ROOT: every bare repository below
  std::string hooks_path;               // --hooks-path DIR
  bool gitolite = false;
  bool gitea = false;
  bool gitlab = false;
  std::string gitlab_server_hooks;      // --gitlab-server-hooks DIR
  std::string git_config;               // --git-config FILE: shared settings go there

  Layout layout() const;
};

/// Registers the layout options above on `command` (install and uninstall alike).
void add_layout_options(CLI::App& command, LayoutOptions& options);

/// One hooks directory to (un)install into.
struct HookSite {
  std::string dir;      // the hooks directory
  bool drop_in = false; // NAME.d/refguard rather than NAME
  bool create = false;  // drop-in directories may be created, and are removed when emptied
};

/// Everything one install or uninstall touches.
struct LayoutPlan {
  Layout layout = Layout::kPlain;
  std::vector<HookSite> sites;
  std::vector<std::string> config_files;  // git config files that carry the settings
  bool print_commands = false;            // no config file to write: tell the admin what to run
  bool gl_hook_err = false;               // GitLab: prefix lines with GL-HOOK-ERR:
  std::string hooks_path;                 // core.hooksPath to set, canonical
};

/// Resolves the options into a plan; repositories that do not exist are printed and counted in `failures`.
Expected<LayoutPlan> make_plan(const LayoutOptions& options, const char* command, int& failures);

/// Every bare repository below `root` (a repository's inside is not searched).
std::vector<std::string> find_bare_repositories(const std::string& root);
/// True when `dir` looks like a git directory (HEAD, objects/, refs/).
bool is_git_directory(const std::string& dir);

/// Gitolite's common hooks directory for the user running refguard (from `gitolite query-rc`).
Expected<std::string> gitolite_common_hooks();
/// Gitolite's $GL_REPO_BASE.
Expected<std::string> gitolite_repo_base();
/// Runs `gitolite setup --hooks-only`, which links the common hooks into every repository.
Expected<void> gitolite_propagate_hooks();

}  // namespace refguard::cli
