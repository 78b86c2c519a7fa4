#pragma once
// The program and arguments an MCP server is launched with, normalised so the
// checks see "npx -y pkg" the same way whether it was written as
// {"command": "npx", "args": [...]}, {"command": "npx -y pkg"} or
// {"command": "cmd", "args": ["/c", "npx", ...]}.
#include <string>
#include <string_view>
#include <vector>

namespace refguard::detect::agent_config {

/// "C:\\nodejs\\NPX.CMD" -> "npx", "/usr/bin/bash" -> "bash": basename, lowercase,
/// without a Windows executable extension.
std::string program_name(std::string_view token);

/// `command` (split on spaces when it starts with a program we know, since
/// some clients accept a whole command line there) followed by `args`.
std::vector<std::string> command_line(std::string_view command, const std::vector<std::string>& args);

/// `tokens` without a leading `cmd /c` (or /k, /s) wrapper; unchanged otherwise.
std::vector<std::string> without_cmd_wrapper(const std::vector<std::string>& tokens);

/// sh, bash, zsh, dash, ksh, fish, cmd, powershell, pwsh.
bool is_shell_program(std::string_view program);

}  // namespace refguard::detect::agent_config
