#include "detect/agent_config/settings_checks.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "detect/agent_config/literal_checks.h"
#include "detect/agent_config/shell_text.h"

namespace refguard::detect::agent_config {

namespace {

// Top-level settings whose string value Claude Code runs as a shell command.
constexpr std::array<std::string_view, 4> kHelperCommands = {"apiKeyHelper", "awsAuthRefresh", "awsCredentialExport",
                                                             "otelHeadersHelper"};

void report_command(const std::string& command, const std::string& what, const JsonPath& anchors,
                    const ScanContext& context) {
  uint32_t line = context.lines.find(anchors, command);
  if (downloads_and_executes(command))
    context.add(Severity::kBlock, line,
                fmt::format("{} downloads and runs a script: {}", what, display_command(command)));
  else
    context.add(Severity::kWarn, line, fmt::format("{} runs a command: {}", what, display_command(command)));
}

// One event's list: [{"matcher": "Bash", "hooks": [{"type": "command", "command": "…"}]}].
void check_event(const std::string& event, const Json& matchers, const ScanContext& context) {
  if (!matchers.is_array()) return;
  const JsonPath anchors = {"hooks", event};
  for (const Json& group : matchers) {
    if (!group.is_object()) continue;
    std::string what = "hook " + event;
    if (auto matcher = group.find("matcher");
        matcher != group.end() && matcher->is_string() && !matcher->get_ref<const std::string&>().empty())
      what += fmt::format(" (matcher '{}')", display_command(matcher->get<std::string>(), 40));
    auto hooks = group.find("hooks");
    if (hooks == group.end() || !hooks->is_array()) continue;
    for (const Json& hook : *hooks) {
      if (!hook.is_object()) continue;
      // Hooks without "type" are commands too in practice; other types (prompts) run nothing.
      auto type = hook.find("type");
      if (type != hook.end() && *type != "command") continue;
      auto command = hook.find("command");
      if (command != hook.end() && command->is_string())
        report_command(command->get<std::string>(), what, anchors, context);
    }
  }
}

}  // namespace

void check_settings_commands(const Json& settings, const ScanContext& context) {
  if (!settings.is_object()) return;
  if (auto hooks = settings.find("hooks"); hooks != settings.end() && hooks->is_object())
    for (const auto& [event, matchers] : hooks->items()) check_event(event, matchers, context);
  if (auto status = settings.find("statusLine"); status != settings.end() && status->is_object())
    if (auto command = status->find("command"); command != status->end() && command->is_string())
      report_command(command->get<std::string>(), "statusLine", {"statusLine"}, context);
  for (std::string_view key : kHelperCommands)
    if (auto helper = settings.find(key); helper != settings.end() && helper->is_string())
      report_command(helper->get<std::string>(), std::string(key), {std::string(key)}, context);
}

void check_settings_env(const Json& settings, const ScanContext& context) {
  if (!settings.is_object()) return;
  if (auto env = settings.find("env"); env != settings.end()) check_literal_map(*env, {"env"}, context);
}

}  // namespace refguard::detect::agent_config
