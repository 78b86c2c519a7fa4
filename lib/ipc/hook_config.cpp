#include "ipc/hook_config.h"

#include <cstdlib>
#include <map>

#include "ipc/git_config_query.h"
#include "ipc/hook_request.h"
#include "util/os_user.h"
#include "util/text.h"

namespace refguard::ipc {

namespace {

constexpr std::string_view kSection = "refguard.";
// Keys directly in [refguard]: git lower-cases the section and the name, and
// a name has no dot, so a key with a subsection ([refguard "x"] k) never matches.
constexpr const char* kKeyPattern = "^refguard\\.[^.]*$";

// As git's boolean: a key without "=" means true.
bool parse_bool(const std::optional<std::string>& value) {
  if (!value) return true;
  std::string flag = ascii_lower(*value);
  return flag == "true" || flag == "yes" || flag == "on" || flag == "1";
}

void apply_timeout(const std::string& value, HookConfig& config) {
  char* end = nullptr;
  const double ms = std::strtod(value.c_str(), &end) * 1000;
  // At least 1 ms: a smaller value would truncate to 0 and time out every push.
  if (end != value.c_str() && *end == '\0' && ms >= 1 && ms <= 3600 * 1000)
    config.timeout_ms = static_cast<int>(ms);
  else config.problems += "refguard.timeout '" + value + "' is not a number of seconds from 0.001 to 3600. ";
}

void apply_fail_mode(const std::string& value, HookConfig& config) {
  if (auto mode = parse_fail_mode(value)) config.fail_mode = *mode;
  else config.problems += "refguard.failMode '" + value + "' is not inline, reject or accept; using " +
                          std::string(to_string(config.fail_mode)) + ". ";
}

// A list naming an unknown variable is ignored whole: guessing which names
// were meant could let a variable the forge does not set name the pusher.
void apply_pusher_from(const std::string& value, HookConfig& config) {
  auto names = parse_pusher_variables(value);
  if (!names) {
    config.problems += "refguard.pusherFrom " + names.error().message + "; using every known variable. ";
    return;
  }
  config.pusher_from = value;
  config.pusher_variables = std::move(*names);
}

// `name` is lower-case, as git lists it.
void apply_key(const std::string& name, const std::optional<std::string>& raw, HookConfig& config) {
  if (name == "glhookerr") {
    config.gl_hook_err = parse_bool(raw);
    return;
  }
  if (!raw) {
    // git itself refuses a string key written without "=" ("missing value"); keep the default.
    config.problems += "refguard." + name + " has no value; ignored. ";
    return;
  }
  const std::string& value = *raw;
  if (name == "socket") config.socket_path = value;
  else if (name == "failmode") apply_fail_mode(value, config);
  else if (name == "timeout") apply_timeout(value, config);
  else if (name == "cli") config.cli_path = value;
  else if (name == "config") config.policy_path = value;
  else if (name == "auditlog") config.audit_log = value;
  else if (name == "pusherfrom") apply_pusher_from(value, config);
}

}  // namespace

std::optional<FailMode> parse_fail_mode(std::string_view text) {
  std::string mode = ascii_lower(text);
  if (mode == "inline") return FailMode::kInline;
  if (mode == "reject") return FailMode::kReject;
  if (mode == "accept") return FailMode::kAccept;
  return std::nullopt;
}

std::string_view to_string(FailMode mode) {
  switch (mode) {
    case FailMode::kInline: return "inline";
    case FailMode::kReject: return "reject";
    case FailMode::kAccept: return "accept";
  }
  return "inline";
}

void apply_git_config_listing(std::string_view listing, HookConfig& config) {
  std::map<std::string, std::optional<std::string>> last_values;
  for (auto& entry : parse_git_config_listing(listing)) {
    std::string key = ascii_lower(entry.key);
    if (!key.starts_with(kSection) || key.find('.', kSection.size()) != std::string::npos) continue;
    last_values[key.substr(kSection.size())] = std::move(entry.value);
  }
  for (const auto& [name, value] : last_values) apply_key(name, value, config);
}

// Without refguard.socket: the daemon of the user who owns the repository
// (refguard@OWNER listens on /run/refguard/OWNER.sock), the one that runs
// git-receive-pack on a server and that `refguard install` names by default.
std::string owner_daemon_socket(const std::string& git_dir) {
  auto owner = owner_of(git_dir);
  return instance_socket_path(user_name(owner ? *owner : ::geteuid()));
}

HookConfig load_hook_config(const std::string& git_dir, const std::string& git) {
  HookConfig config;
  auto listing = run_git_config_query({.git_dir = git_dir, .key_pattern = kKeyPattern, .git = git});
  if (listing) apply_git_config_listing(*listing, config);
  if (config.socket_path.empty()) config.socket_path = owner_daemon_socket(git_dir);
  if (!listing) config.problems += "cannot read the refguard.* settings (" + listing.error().message +
                          "); using the defaults: socket " + config.socket_path + ", failMode=" +
                          std::string(to_string(config.fail_mode)) + ". ";
  return config;
}

}  // namespace refguard::ipc
