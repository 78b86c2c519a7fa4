// `refguard install --socket PATH REPO...`: wires the hooks into bare
// repositories. The hooks are symlinks to refguard-hook (so they start in a
// millisecond); the socket path and fail mode go into the repository's git
// config, where the hook reads them. A hook refguard did not install is never
// overwritten without --force, and then it is kept beside ours.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "engine/push_target.h"
#include "git/handles.h"
#include "ipc/hook_config.h"

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;
using ConfigPtr = std::unique_ptr<git_config, git::HandleDeleter<git_config, git_config_free>>;

constexpr const char* kHookNames[] = {"pre-receive", "post-receive"};

struct InstallOptions {
  std::string socket;
  std::vector<std::string> repos;
  std::string fail_mode;
  std::string hook_binary;
  std::string config;
  bool force = false;
};

std::string self_directory() {
  char buffer[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0) return ".";
  return fs::path(std::string(buffer, static_cast<size_t>(length))).parent_path();
}

Expected<std::string> find_hook_binary(const std::string& explicit_path) {
  std::vector<std::string> candidates;
  if (!explicit_path.empty()) candidates.push_back(explicit_path);
  else candidates = {self_directory() + "/refguard-hook", self_directory() + "/../lib/refguard/refguard-hook",
                     "/usr/lib/refguard/refguard-hook"};
  for (const auto& candidate : candidates)
    if (::access(candidate.c_str(), X_OK) == 0) return engine::canonical_path(candidate);
  return fail("cannot find the refguard-hook executable (tried " + candidates.front() + "); use --hook-binary");
}

// Ours: a symlink whose target is a refguard-hook binary.
bool is_our_hook(const fs::path& hook) {
  std::error_code error;
  if (!fs::is_symlink(hook, error)) return false;
  return fs::read_symlink(hook, error).filename() == "refguard-hook";
}

Expected<void> install_hook(const fs::path& hooks_dir, const char* name, const std::string& binary, bool force) {
  fs::path hook = hooks_dir / name;
  std::error_code error;
  bool exists = fs::exists(fs::symlink_status(hook, error));
  if (exists && !is_our_hook(hook)) {
    if (!force)
      return fail(hook.string() + " exists and was not installed by refguard; rerun with --force to keep it as " +
                  name + ".refguard-saved and install refguard's");
    fs::rename(hook, hooks_dir / (std::string(name) + ".refguard-saved"), error);
    if (error) return fail("cannot move " + hook.string() + " aside: " + error.message());
  } else if (exists) {
    fs::remove(hook, error);
  }
  fs::create_symlink(binary, hook, error);
  if (error) return fail("cannot create " + hook.string() + ": " + error.message());
  return {};
}

Expected<void> configure(const std::string& git_dir, const InstallOptions& options) {
  git::ensure_libgit2_initialized();
  git_config* raw = nullptr;
  if (git_config_open_ondisk(&raw, (git_dir + "/config").c_str()) != 0)
    return std::unexpected(git::libgit2_error("cannot open " + git_dir + "/config"));
  ConfigPtr config(raw);
  auto set = [&](const char* key, const std::string& value) -> Expected<void> {
    if (git_config_set_string(raw, key, value.c_str()) != 0)
      return std::unexpected(git::libgit2_error(std::string("cannot set ") + key));
    return {};
  };
  if (auto done = set("refguard.socket", options.socket); !done) return done;
  // Push options (-o refguard.bypass=...) reach hooks only when advertised.
  if (auto done = set("receive.advertisePushOptions", "true"); !done) return done;
  if (!options.fail_mode.empty())
    if (auto done = set("refguard.failMode", options.fail_mode); !done) return done;
  if (!options.config.empty())
    if (auto done = set("refguard.config", options.config); !done) return done;
  return {};
}

int run_install(InstallOptions& options) {
  auto binary = find_hook_binary(options.hook_binary);
  if (!binary) {
    std::fprintf(stderr, "refguard install: %s\n", binary.error().message.c_str());
    return 1;
  }
  if (!options.config.empty())
    if (auto canonical = engine::canonical_path(options.config)) options.config = *canonical;
  int failures = 0;
  for (const auto& repo : options.repos) {
    auto git_dir = engine::canonical_path(repo);
    std::error_code error;
    if (!git_dir || !fs::is_directory(*git_dir + "/objects", error) || !fs::exists(*git_dir + "/HEAD", error)) {
      std::fprintf(stderr, "refguard install: %s is not a bare git repository\n", repo.c_str());
      ++failures;
      continue;
    }
    fs::create_directories(*git_dir + "/hooks", error);
    Expected<void> done = {};
    for (const char* name : kHookNames) {
      done = install_hook(*git_dir + "/hooks", name, *binary, options.force);
      if (!done) break;
    }
    if (done) done = configure(*git_dir, options);
    if (!done) {
      std::fprintf(stderr, "refguard install: %s: %s\n", git_dir->c_str(), done.error().message.c_str());
      ++failures;
      continue;
    }
    std::printf("installed refguard hooks in %s (socket %s)\n", git_dir->c_str(), options.socket.c_str());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

Command add_install_command(CLI::App& app) {
  auto options = std::make_shared<InstallOptions>();
  auto* command = app.add_subcommand("install", "install refguard's hooks into bare repositories");
  command->add_option("--socket", options->socket, "refguardd's socket path")->required();
  command->add_option("repos", options->repos, "bare repositories")->required();
  command->add_option("--fail-mode", options->fail_mode, "when the daemon cannot answer: inline, reject or accept")
      ->check(CLI::IsMember({"inline", "reject", "accept"}));
  command->add_option("--config", options->config, "system policy file for the inline fail mode");
  command->add_option("--hook-binary", options->hook_binary, "path of refguard-hook (default: beside refguard)");
  command->add_flag("--force", options->force, "replace hooks refguard did not install (they are kept aside)");
  return [options] { return run_install(*options); };
}

}  // namespace refguard::cli
