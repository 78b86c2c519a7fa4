// `refguard uninstall [LAYOUT] REPO...`: undoes `refguard install` with the
// same layout options. refguard's hooks go; a hook refguard had chained with
// or replaced comes back by rename(2), byte-identical with its mode; the git
// config keys install set are removed and the ones it changed restored.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/hook_installer.h"
#include "cli/hook_layout.h"
#include "cli/hook_settings.h"

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;

struct UninstallOptions {
  LayoutOptions layout;
};

Expected<void> uninstall_site(const HookSite& site) {
  for (const char* hook : kHookNames) {
    auto done = site.drop_in ? uninstall_drop_in_hook(site.dir, hook, site.create)
                             : uninstall_direct_hook(site.dir, hook);
    if (!done) return std::unexpected(done.error());
    if (!done->empty() && *done != "removed") std::printf("  %s: %s: %s\n", site.dir.c_str(), hook, done->c_str());
  }
  // GitLab's per-repository custom_hooks/ was refguard's when nothing else is left in it.
  if (site.create && site.dir.ends_with("/custom_hooks")) return remove_if_empty(site.dir);
  return {};
}

// After gitolite re-linked the common hooks, repositories may keep links to
// hooks that are gone (refguard's, when there was none before).
void remove_dangling_gitolite_links(const std::string& common_hooks) {
  auto base = gitolite_repo_base();
  if (!base) return;
  for (const auto& repo : find_bare_repositories(*base)) {
    for (const char* name : {kHookNames[0], kHookNames[1], kChainedDir}) {  // gitolite links every entry
      fs::path link = fs::path(repo) / "hooks" / name;
      std::error_code error;
      if (fs::is_symlink(link, error) && fs::read_symlink(link, error) == fs::path(common_hooks) / name &&
          !fs::exists(link, error))
        fs::remove(link, error);
    }
  }
}

int run_uninstall(UninstallOptions& options) {
  int failures = 0;
  auto plan = make_plan(options.layout, "uninstall", failures);
  if (!plan) {
    std::fprintf(stderr, "refguard uninstall: %s\n", plan.error().message.c_str());
    return 1;
  }
  for (const auto& site : plan->sites) {
    if (auto done = uninstall_site(site); !done) {
      std::fprintf(stderr, "refguard uninstall: %s\n", done.error().message.c_str());
      ++failures;
      continue;
    }
    std::printf("removed refguard hooks from %s\n", site.dir.c_str());
  }
  if (plan->layout == Layout::kGitolite && failures == 0) {
    if (auto done = gitolite_propagate_hooks(); !done) {
      std::fprintf(stderr, "refguard uninstall: %s\n", done.error().message.c_str());
      ++failures;
    }
    remove_dangling_gitolite_links(plan->sites.front().dir);
  }
  for (const auto& file : plan->config_files) {
    if (auto done = erase_settings(file); !done) {
      std::fprintf(stderr, "refguard uninstall: %s\n", done.error().message.c_str());
      ++failures;
    }
  }
  if (plan->print_commands)
    std::printf("if you set refguard's keys in a shared git config, remove them:\n%s",
                erase_as_commands("--system", !plan->hooks_path.empty()).c_str());
  return failures == 0 ? 0 : 1;
}

}  // namespace

Command add_uninstall_command(CLI::App& app) {
  auto options = std::make_shared<UninstallOptions>();
  auto* command = app.add_subcommand("uninstall", "remove refguard's hooks, restoring the hooks that were there");
  command->footer("Give the same layout options as to `refguard install`.");
  add_layout_options(*command, options->layout);
  return [options] { return run_uninstall(*options); };
}

}  // namespace refguard::cli
