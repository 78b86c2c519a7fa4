#include "cli/hook_settings.h"

#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "git/handles.h"

namespace refguard::cli {

namespace {

using git::ConfigPtr;
using EntryPtr = std::unique_ptr<git_config_entry, git::HandleDeleter<git_config_entry, git_config_entry_free>>;

// Keys install sets outside the refguard section, and where their earlier value is kept.
// An empty kept value means "was unset".
const std::vector<std::pair<const char*, const char*>> kBorrowedKeys = {
    {"receive.advertisePushOptions", "refguard.priorAdvertisePushOptions"},
    {"core.hooksPath", "refguard.priorHooksPath"},
};
constexpr const char* kOwnKeys[] = {"refguard.socket", "refguard.failMode", "refguard.config", "refguard.auditLog",
                                    "refguard.glHookErr", "refguard.cli", "refguard.pusherFrom"};

class ConfigFile {
 public:
  static Expected<ConfigFile> open(const std::string& path) {
    git::ensure_libgit2_initialized();
    std::error_code error;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    git_config* raw = nullptr;
    if (git_config_open_ondisk(&raw, path.c_str()) != 0)
      return std::unexpected(git::libgit2_error("cannot open git config " + path));
    return ConfigFile(ConfigPtr(raw), path);
  }

  std::optional<std::string> get(const char* key) const {
    git_config_entry* raw = nullptr;
    if (git_config_get_entry(&raw, config_.get(), key) != 0) return std::nullopt;
    EntryPtr entry(raw);
    return std::string(entry->value ? entry->value : "");
  }

  Expected<void> set(const char* key, const std::string& value) {
    if (git_config_set_string(config_.get(), key, value.c_str()) != 0)
      return std::unexpected(git::libgit2_error("cannot set " + std::string(key) + " in " + path_));
    return {};
  }

  Expected<void> unset(const char* key) {
    int code = git_config_delete_entry(config_.get(), key);
    if (code != 0 && code != GIT_ENOTFOUND)
      return std::unexpected(git::libgit2_error("cannot unset " + std::string(key) + " in " + path_));
    return {};
  }

  // Sets a key install borrows, keeping its earlier value the first time.
  Expected<void> borrow(const char* key, const char* prior_key, const std::string& value) {
    if (!get(prior_key))
      if (auto kept = set(prior_key, get(key).value_or("")); !kept) return kept;
    return set(key, value);
  }

 private:
  ConfigFile(ConfigPtr config, std::string path) : config_(std::move(config)), path_(std::move(path)) {}
  ConfigPtr config_;
  std::string path_;
};

}  // namespace

Expected<void> write_settings(const std::string& path, const HookSettings& settings) {
  auto config = ConfigFile::open(path);
  if (!config) return std::unexpected(config.error());
  std::vector<std::pair<const char*, std::string>> own = {{"refguard.socket", settings.socket}};
  if (!settings.fail_mode.empty()) own.emplace_back("refguard.failMode", settings.fail_mode);
  if (!settings.policy.empty()) own.emplace_back("refguard.config", settings.policy);
  if (!settings.audit_log.empty()) own.emplace_back("refguard.auditLog", settings.audit_log);
  if (settings.gl_hook_err) own.emplace_back("refguard.glHookErr", "true");
  if (!settings.cli.empty()) own.emplace_back("refguard.cli", settings.cli);
  if (!settings.pusher_from.empty()) own.emplace_back("refguard.pusherFrom", settings.pusher_from);
  for (const auto& [key, value] : own)
    if (auto done = config->set(key, value); !done) return done;
  // Push options (-o refguard.bypass=...) reach hooks only when advertised.
  if (auto done = config->borrow(kBorrowedKeys[0].first, kBorrowedKeys[0].second, "true"); !done) return done;
  if (!settings.hooks_path.empty())
    if (auto done = config->borrow(kBorrowedKeys[1].first, kBorrowedKeys[1].second, settings.hooks_path); !done)
      return done;
  return {};
}

Expected<void> erase_settings(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return {};
  auto config = ConfigFile::open(path);
  if (!config) return std::unexpected(config.error());
  for (const auto& [key, prior_key] : kBorrowedKeys) {
    auto prior = config->get(prior_key);
    if (!prior) continue;
    auto restored = prior->empty() ? config->unset(key) : config->set(key, *prior);
    if (!restored) return restored;
    if (auto done = config->unset(prior_key); !done) return done;
  }
  for (const char* key : kOwnKeys)
    if (auto done = config->unset(key); !done) return done;
  return {};
}

std::string settings_as_commands(const HookSettings& settings, const std::string& scope) {
  std::string prefix = "  git config " + scope + " ";
  std::string text = prefix + "refguard.socket " + settings.socket + "\n";
  text += prefix + "receive.advertisePushOptions true\n";
  if (!settings.fail_mode.empty()) text += prefix + "refguard.failMode " + settings.fail_mode + "\n";
  if (!settings.policy.empty()) text += prefix + "refguard.config " + settings.policy + "\n";
  if (!settings.audit_log.empty()) text += prefix + "refguard.auditLog " + settings.audit_log + "\n";
  if (settings.gl_hook_err) text += prefix + "refguard.glHookErr true\n";
  if (!settings.cli.empty()) text += prefix + "refguard.cli " + settings.cli + "\n";
  if (!settings.pusher_from.empty()) text += prefix + "refguard.pusherFrom " + settings.pusher_from + "\n";
  if (!settings.hooks_path.empty()) text += prefix + "core.hooksPath " + settings.hooks_path + "\n";
  return text;
}

std::string erase_as_commands(const std::string& scope, bool hooks_path) {
  std::string text;
  for (const char* key : kOwnKeys) text += "  git config " + scope + " --unset " + key + "\n";
  if (hooks_path) text += "  git config " + scope + " --unset core.hooksPath\n";
  return text;
}

}  // namespace refguard::cli
