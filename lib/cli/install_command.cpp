// `refguard install [--socket PATH] [LAYOUT] REPO...`: wires refguard-hook into
// a git server (see cli/hook_layout.h for the layouts). The hooks are
// symlinks to refguard-hook, so they start in a millisecond; the socket path,
// fail mode and the CLI the inline fail mode runs go into git config, where
// the hook reads them. The default socket is that of the daemon of the
// repository's owner (refguard@OWNER: /run/refguard/OWNER.sock). Run as root on
// another user's repository, what install creates is handed to that user. A hook that is
// already there keeps running: refguard chains with it (cli/hook_installer.h),
// and `refguard uninstall` puts it back as it was.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/hook_installer.h"
#include "cli/hook_layout.h"
#include "cli/hook_settings.h"
#include "cli/install_ownership.h"
#include "cli/usage.h"
#include "ipc/hook_request.h"
#include "util/os_user.h"
#include "util/path.h"

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;

struct InstallOptions {
  LayoutOptions layout;
  std::string socket;
  std::string fail_mode;
  std::string hook_binary;
  std::string config;
  std::string audit_log;
  std::string pusher_from;  // "" = the layout's own (pusher_variables_of)
  bool force = false;
};

// Which variable names the pusher, per layout: only what that forge sets, so
// that a variable it does not set cannot be injected to claim another name
// (REMOTE_USER in a gitolite `ssh` command, say). Plain repositories and a
// core.hooksPath directory serve SSH forced commands and HTTP basic auth.
std::string pusher_variables_of(Layout layout) {
  switch (layout) {
    case Layout::kGitolite: return "GL_USER";
    case Layout::kGitea: return "GITEA_PUSHER_NAME";
    case Layout::kGitlab:
    case Layout::kGitlabServer: return "GL_USERNAME,GL_ID";
    case Layout::kPlain:
    case Layout::kHooksPath: return "REMOTE_USER";
  }
  return "REMOTE_USER";
}

std::string self_path() {
  char buffer[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return length <= 0 ? std::string() : std::string(buffer, static_cast<size_t>(length));
}

std::string self_directory() {
  std::string self = self_path();
  return self.empty() ? "." : fs::path(self).parent_path().string();
}

// The directory whose owner runs git-receive-pack for a config file: the
// repository for REPO/config, the home or directory of a shared file.
std::string owning_directory(const std::string& config_file) {
  return fs::path(config_file).parent_path().string();
}

// --socket, or the socket of the daemon of the user owning `config_file`'s repository.
std::string socket_for(const InstallOptions& options, const std::string& config_file) {
  if (!options.socket.empty()) return options.socket;
  auto owner = owner_of(owning_directory(config_file));
  return instance_socket_path(owner ? user_name(*owner) : user_name(::geteuid()));
}

void report(const std::vector<std::string>& problems, int& failures) {
  for (const auto& problem : problems) std::fprintf(stderr, "refguard install: %s\n", problem.c_str());
  failures += static_cast<int>(problems.size());
}

Expected<std::string> find_hook_binary(const std::string& explicit_path) {
  std::vector<std::string> candidates;
  if (!explicit_path.empty()) candidates.push_back(explicit_path);
  else candidates = {self_directory() + "/refguard-hook", self_directory() + "/../lib/refguard/refguard-hook",
                     "/usr/lib/refguard/refguard-hook"};
  for (const auto& candidate : candidates)
    if (::access(candidate.c_str(), X_OK) == 0) return canonical_path(candidate);
  return fail("cannot find the refguard-hook executable (tried " + candidates.front() + "); use --hook-binary");
}

// Both hooks into one site; prints what changed beyond a fresh install.
Expected<void> install_site(const HookSite& site, const std::string& binary, bool force) {
  for (const char* hook : kHookNames) {
    auto done = site.drop_in ? install_drop_in_hook(site.dir, hook, binary, force, site.create)
                             : install_direct_hook(site.dir, hook, binary, force);
    if (!done) return std::unexpected(done.error());
    if (*done != "installed" && *done != "updated") std::printf("  %s: %s: %s\n", site.dir.c_str(), hook, done->c_str());
  }
  return {};
}

void print_next_steps(const LayoutPlan& plan, const HookSettings& settings) {
  if (plan.print_commands)
    std::printf("no git config file was named (--git-config FILE); for the hooks to find refguardd, run:\n%s",
                settings_as_commands(settings, "--system").c_str());
  if (plan.layout == Layout::kGitlab || plan.layout == Layout::kGitlabServer)
    std::printf("GitLab shows the reasons of a rejected push in its web UI (refguard.glHookErr=true)\n");
}

int run_install(InstallOptions& options) {
  int failures = 0;
  auto plan = make_plan(options.layout, "install", failures);
  if (!plan) {
    std::fprintf(stderr, "refguard install: %s\n", plan.error().message.c_str());
    return 1;
  }
  auto binary = find_hook_binary(options.hook_binary);
  if (!binary) {
    std::fprintf(stderr, "refguard install: %s\n", binary.error().message.c_str());
    return 1;
  }
  std::string pusher_from = options.pusher_from.empty() ? pusher_variables_of(plan->layout) : options.pusher_from;
  if (auto names = ipc::parse_pusher_variables(pusher_from); !names) {
    std::fprintf(stderr, "refguard install: --pusher-from %s\n", names.error().message.c_str());
    return kUsageError;
  }
  HookSettings settings{options.socket,  options.fail_mode,   options.config,   plan->hooks_path,
                        plan->gl_hook_err, options.audit_log, self_path(),      pusher_from};
  // The hook runs this CLI when the daemon is down (failMode=inline): record
  // where it is, since the package puts it in /usr/bin and the hook in /usr/lib/refguard.
  if (auto canonical = canonical_path(settings.cli)) settings.cli = *canonical;
  if (!settings.policy.empty())
    if (auto canonical = canonical_path(settings.policy)) settings.policy = *canonical;
  for (const auto& site : plan->sites) {
    if (auto done = install_site(site, *binary, options.force); !done) {
      std::fprintf(stderr, "refguard install: %s\n", done.error().message.c_str());
      ++failures;
      continue;
    }
    // A hooks directory install created (GitLab's custom_hooks) takes its repository's owner.
    if (auto owner = owner_of_directory(site.create ? fs::path(site.dir).parent_path().string() : site.dir))
      report(give_hooks_to_owner(site.dir, *owner), failures);
    std::printf("installed refguard hooks in %s\n", site.dir.c_str());
  }
  if (plan->layout == Layout::kGitolite && failures == 0)
    if (auto done = gitolite_propagate_hooks(); !done) {
      std::fprintf(stderr, "refguard install: %s\n", done.error().message.c_str());
      ++failures;
    }
  for (const auto& file : plan->config_files) {
    settings.socket = socket_for(options, file);
    if (auto done = write_settings(file, settings); !done) {
      std::fprintf(stderr, "refguard install: %s\n", done.error().message.c_str());
      ++failures;
      continue;
    }
    std::printf("%s: refguard.socket = %s\n", file.c_str(), settings.socket.c_str());
    if (auto owner = owner_of_directory(owning_directory(file))) report(give_file_to_owner(file, *owner), failures);
  }
  if (plan->config_files.empty() && !plan->sites.empty()) settings.socket = socket_for(options, plan->sites.front().dir + "/config");
  print_next_steps(*plan, settings);
  return failures == 0 ? 0 : 1;
}

}  // namespace

Command add_install_command(CLI::App& app) {
  auto options = std::make_shared<InstallOptions>();
  auto* command = app.add_subcommand("install", "install refguard's hooks into a git server's repositories");
  command->footer(
      "Layouts: REPO... or --all ROOT (plain bare repositories), --hooks-path DIR (core.hooksPath), --gitolite, "
      "--gitea REPO..., --gitlab REPO..., --gitlab-server-hooks DIR. An existing hook keeps running: refguard "
      "chains with it; `refguard uninstall` with the same layout options puts it back.");
  command->add_option("--socket", options->socket,
                      "refguardd's socket path (default: /run/refguard/OWNER.sock, the socket of "
                      "refguard@OWNER for the user owning each repository)");
  add_layout_options(*command, options->layout);
  command->add_option("--fail-mode", options->fail_mode, "when the daemon cannot answer: inline, reject or accept")
      ->check(CLI::IsMember({"inline", "reject", "accept"}));
  command->add_option("--config", options->config, "system policy file for the inline fail mode");
  command->add_option("--audit-log", options->audit_log,
                      "audit log the inline fail mode appends to (default: that of the repository owner's "
                      "daemon, /var/lib/refguard/OWNER/audit.jsonl); give the daemon's --audit-log when it has one");
  command->add_option("--pusher-from", options->pusher_from,
                      "variables naming the pusher, in order (default per layout: REMOTE_USER; gitolite GL_USER; "
                      "Gitea GITEA_PUSHER_NAME; GitLab GL_USERNAME,GL_ID)");
  command->add_option("--hook-binary", options->hook_binary, "path of refguard-hook (default: beside refguard)");
  command->add_flag("--force", options->force,
                    "replace an existing hook instead of chaining with it (it is kept, not run, for uninstall)");
  return [options] { return run_install(*options); };
}

}  // namespace refguard::cli
