#pragma once
// Checks of Claude Code settings (.claude/settings.json, settings.local.json):
// hooks and helper commands that run on the developer's machine (WARN; BLOCK
// when they download and execute), and literal credentials in "env" (BLOCK).
#include "detect/agent_config/scan_context.h"

namespace refguard::detect::agent_config {

/// {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command",
/// "command": "…"}]}]}}, "statusLine" and the *Helper commands; one hit per command.
void check_settings_commands(const Json& settings, const ScanContext& context);

/// {"env": {"ANTHROPIC_API_KEY": "sk-ant-…"}}.
void check_settings_env(const Json& settings, const ScanContext& context);

}  // namespace refguard::detect::agent_config
