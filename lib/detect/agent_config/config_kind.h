#pragma once
// Which agent/MCP configuration file a path names, by fixed file names only
// (no globbing): these are the names the editors and agents actually read.
#include <optional>
#include <string_view>

namespace refguard::detect::agent_config {

enum class ConfigKind {
  kMcpServers,      // .mcp.json, mcp.json, claude_desktop_config.json, mcp_config.json, cline_mcp_settings.json
  kVscodeSettings,  // .vscode/settings.json: servers under "mcp" -> "servers"
  kClaudeSettings,  // .claude/settings.json, .claude/settings.local.json: hooks, env, mcpServers
  kGeminiSettings,  // .gemini/settings.json: mcpServers
};

/// nullopt for every other file. `path` is repository-relative and '/'-separated;
/// names compare ASCII case-insensitively because macOS and Windows editors do.
std::optional<ConfigKind> config_kind_for_path(std::string_view path);

/// The last path component ("a/b/.mcp.json" -> ".mcp.json").
std::string_view base_name(std::string_view path);

}  // namespace refguard::detect::agent_config
