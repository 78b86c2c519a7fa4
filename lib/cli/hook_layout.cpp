#include "cli/hook_layout.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "util/path.h"

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;
using PipePtr = std::unique_ptr<FILE, int (*)(FILE*)>;

const char* layout_flag(Layout layout) {
  switch (layout) {
    case Layout::kPlain: return "plain";
    case Layout::kHooksPath: return "--hooks-path";
    case Layout::kGitolite: return "--gitolite";
    case Layout::kGitea: return "--gitea";
    case Layout::kGitlab: return "--gitlab";
    case Layout::kGitlabServer: return "--gitlab-server-hooks";
  }
  return "plain";
}

// Absolute and normalised; resolved through symlinks as far as it exists.
std::string absolute_path(const std::string& dir) {
  std::error_code error;
  fs::path path = fs::weakly_canonical(fs::absolute(dir, error), error);
  std::string text = path.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

std::vector<std::string> target_repositories(const LayoutOptions& options, const char* command, int& failures) {
  std::vector<std::string> repos;
  for (const auto& repo : options.repos) {
    auto git_dir = canonical_path(repo);
    if (!git_dir || !is_git_directory(*git_dir)) {
      std::fprintf(stderr, "refguard %s: %s is not a bare git repository\n", command, repo.c_str());
      ++failures;
      continue;
    }
    repos.push_back(*git_dir);
  }
  for (const auto& root : options.roots) {
    auto found = find_bare_repositories(root);
    if (found.empty()) std::fprintf(stderr, "refguard %s: no bare repositories below %s\n", command, root.c_str());
    repos.insert(repos.end(), found.begin(), found.end());
  }
  std::sort(repos.begin(), repos.end());
  repos.erase(std::unique(repos.begin(), repos.end()), repos.end());
  return repos;
}

// Runs a shell command and returns its standard output without the final newline.
Expected<std::string> run_capture(const std::string& command) {
  PipePtr pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return fail("cannot run " + command);
  std::string output;
  char buffer[4096];
  while (size_t got = std::fread(buffer, 1, sizeof(buffer), pipe.get())) output.append(buffer, got);
  int status = ::pclose(pipe.release());
  if (status == -1 || !WIFEXITED(status)) return fail(command + " did not finish");
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (WEXITSTATUS(status) != 0) return fail(command + " exited with " + std::to_string(WEXITSTATUS(status)));
  return output;
}

// One value of gitolite's rc; empty when it is not set.
Expected<std::string> gitolite_rc(const std::string& name) {
  auto base = run_capture("gitolite query-rc GL_ADMIN_BASE 2>/dev/null");
  if (!base || base->empty())
    return fail("`gitolite query-rc` failed: run this as the gitolite hosting user (HOME with .gitolite.rc), "
                "with gitolite in PATH");
  if (name == "GL_ADMIN_BASE") return base;
  auto value = run_capture("gitolite query-rc " + name + " 2>/dev/null");
  return value ? *value : std::string();
}

}  // namespace

Layout LayoutOptions::layout() const {
  if (!hooks_path.empty()) return Layout::kHooksPath;
  if (gitolite) return Layout::kGitolite;
  if (gitea) return Layout::kGitea;
  if (gitlab) return Layout::kGitlab;
  if (!gitlab_server_hooks.empty()) return Layout::kGitlabServer;
  return Layout::kPlain;
}

void add_layout_options(CLI::App& command, LayoutOptions& options) {
  command.add_option("repos", options.repos, "bare repositories");
  command.add_option("--all", options.roots, "every bare repository below ROOT (repeatable)")->type_name("ROOT");
  command.add_option("--hooks-path", options.hooks_path,
                     "server-wide hooks directory, used through git config core.hooksPath")
      ->type_name("DIR");
  command.add_flag("--gitolite", options.gitolite,
                   "gitolite common hooks ($LOCAL_CODE/hooks/common or ~/.gitolite/hooks/common); "
                   "run as the gitolite hosting user");
  command.add_flag("--gitea", options.gitea, "Gitea/Forgejo: hooks/pre-receive.d/refguard beside Gitea's own hooks");
  command.add_flag("--gitlab", options.gitlab, "GitLab: custom_hooks/pre-receive.d/refguard in each repository");
  command.add_option("--gitlab-server-hooks", options.gitlab_server_hooks,
                     "GitLab's server-wide custom hooks directory (gitaly custom_hooks_dir)")
      ->type_name("DIR");
  command.add_option("--git-config", options.git_config,
                     "git config file for the shared settings (e.g. /etc/gitconfig, ~git/.gitconfig)")
      ->type_name("FILE");
}

Expected<LayoutPlan> make_plan(const LayoutOptions& options, const char* command, int& failures) {
  int chosen = !options.hooks_path.empty() + options.gitolite + options.gitea + options.gitlab +
               !options.gitlab_server_hooks.empty();
  if (chosen > 1) return fail("choose one of --hooks-path, --gitolite, --gitea, --gitlab, --gitlab-server-hooks");
  LayoutPlan plan;
  plan.layout = options.layout();
  bool takes_repos = plan.layout != Layout::kGitolite && plan.layout != Layout::kGitlabServer;
  bool needs_repos = plan.layout == Layout::kPlain || plan.layout == Layout::kGitea || plan.layout == Layout::kGitlab;
  bool has_repos = !options.repos.empty() || !options.roots.empty();
  if (!takes_repos && has_repos) return fail(std::string(layout_flag(plan.layout)) + " takes no repositories");
  if (needs_repos && !has_repos) return fail("name bare repositories, or --all ROOT");
  std::vector<std::string> repos = target_repositories(options, command, failures);
  std::string shared_config = options.git_config.empty() ? "" : absolute_path(options.git_config);
  switch (plan.layout) {
    case Layout::kPlain:
    case Layout::kGitea:
    case Layout::kGitlab:
      for (const auto& repo : repos) {
        if (plan.layout == Layout::kGitlab) plan.sites.push_back({repo + "/custom_hooks", true, true});
        else plan.sites.push_back({repo + "/hooks", plan.layout == Layout::kGitea, false});
        plan.config_files.push_back(repo + "/config");
      }
      break;
    case Layout::kHooksPath:
      plan.hooks_path = absolute_path(options.hooks_path);
      plan.sites.push_back({plan.hooks_path, false, false});
      for (const auto& repo : repos) plan.config_files.push_back(repo + "/config");
      break;
    case Layout::kGitlabServer:
      plan.sites.push_back({absolute_path(options.gitlab_server_hooks), true, true});
      break;
    case Layout::kGitolite: {
      auto hooks = gitolite_common_hooks();
      if (!hooks) return std::unexpected(hooks.error());
      plan.sites.push_back({*hooks, false, false});
      const char* home = std::getenv("HOME");
      if (shared_config.empty() && home) shared_config = std::string(home) + "/.gitconfig";
      break;
    }
  }
  if (!shared_config.empty()) plan.config_files.push_back(shared_config);
  plan.gl_hook_err = plan.layout == Layout::kGitlab || plan.layout == Layout::kGitlabServer;
  plan.print_commands = plan.config_files.empty();
  return plan;
}

bool is_git_directory(const std::string& dir) {
  std::error_code error;
  return fs::is_regular_file(dir + "/HEAD", error) && fs::is_directory(dir + "/objects", error) &&
         fs::is_directory(dir + "/refs", error);
}

std::vector<std::string> find_bare_repositories(const std::string& root) {
  std::vector<std::string> found;
  auto canonical = canonical_path(root);
  if (!canonical) return found;
  if (is_git_directory(*canonical)) return {*canonical};
  std::error_code error;
  fs::recursive_directory_iterator it(*canonical, fs::directory_options::skip_permission_denied, error), end;
  for (; !error && it != end; it.increment(error)) {
    if (!it->is_directory(error) || it->is_symlink(error)) continue;
    if (it->path().filename() == ".git") {  // a work tree's repository, not a bare one
      it.disable_recursion_pending();
    } else if (is_git_directory(it->path().string())) {
      found.push_back(it->path().string());
      it.disable_recursion_pending();
    }
  }
  return found;
}

Expected<std::string> gitolite_common_hooks() {
  auto local_code = gitolite_rc("LOCAL_CODE");
  if (!local_code) return local_code;
  if (!local_code->empty()) return *local_code + "/hooks/common";
  auto admin_base = gitolite_rc("GL_ADMIN_BASE");
  if (!admin_base) return admin_base;
  return *admin_base + "/hooks/common";
}

Expected<std::string> gitolite_repo_base() { return gitolite_rc("GL_REPO_BASE"); }

Expected<void> gitolite_propagate_hooks() {
  int status = std::system("gitolite setup --hooks-only >&2");
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail("`gitolite setup --hooks-only` failed; run it by hand");
  return {};
}

}  // namespace refguard::cli
