#include "ipc/hook_config.h"
#include "util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace refguard::ipc {

namespace {

// Git config values: strip comments outside quotes, drop quotes, honour \" \\ \n \t.
std::string parse_value(std::string_view raw) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '#' || c == ';')) {
      break;
    } else if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[++i];
      out.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n);
    } else {
      out.push_back(c);
    }
  }
  return std::string(trim(out));
}

void apply_key(const std::string& key, const std::string& value, HookConfig& config) {
  if (key == "socket") {
    config.socket_path = value;
  } else if (key == "failmode") {
    if (auto mode = parse_fail_mode(value)) config.fail_mode = *mode;
    else config.problems += "refguard.failMode '" + value + "' is not inline, reject or accept; using " +
                            std::string(to_string(config.fail_mode)) + ". ";
  } else if (key == "timeout") {
    char* end = nullptr;
    const double ms = std::strtod(value.c_str(), &end) * 1000;
    // At least 1 ms: a smaller value would truncate to 0 and time out every push.
    if (end != value.c_str() && *end == '\0' && ms >= 1 && ms <= 3600 * 1000)
      config.timeout_ms = static_cast<int>(ms);
    else config.problems += "refguard.timeout '" + value + "' is not a number of seconds from 0.001 to 3600. ";
  } else if (key == "cli") {
    config.cli_path = value;
  } else if (key == "config") {
    config.policy_path = value;
  } else if (key == "auditlog") {
    config.audit_log = value;
  } else if (key == "glhookerr") {
    std::string flag = ascii_lower(value);
    config.gl_hook_err = flag == "true" || flag == "yes" || flag == "on" || flag == "1";
  }
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

void apply_git_config_text(std::string_view text, HookConfig& config) {
  bool in_section = false;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::string_view view = trim(line);
    if (view.empty() || view.front() == '#' || view.front() == ';') continue;
    if (view.front() == '[') {
      size_t close = view.find(']');
      std::string_view header = view.substr(1, close == std::string_view::npos ? 0 : close - 1);
      in_section = ascii_lower(trim(header)) == "refguard";
      view = close == std::string_view::npos ? std::string_view() : trim(view.substr(close + 1));
      if (view.empty()) continue;  // "[section] key = value" on one line is allowed
    }
    if (!in_section) continue;
    size_t eq = view.find('=');
    std::string key = ascii_lower(trim(view.substr(0, eq)));
    std::string value = eq == std::string_view::npos ? "true" : parse_value(view.substr(eq + 1));
    apply_key(key, value, config);
  }
}

HookConfig load_hook_config(const std::string& git_dir) {
  HookConfig config;
  std::vector<std::string> files = {"/etc/gitconfig"};
  if (const char* home = std::getenv("HOME")) files.push_back(std::string(home) + "/.gitconfig");
  files.push_back(git_dir + "/config");
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    apply_git_config_text(text.str(), config);
  }
  return config;
}

}  // namespace refguard::ipc
