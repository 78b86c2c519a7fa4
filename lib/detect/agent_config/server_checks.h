#pragma once
// Checks of MCP server definitions: literal credentials (BLOCK), unpinned
// packages (WARN), shell command lines (WARN; BLOCK for download-and-execute)
// and plain-http remote servers (WARN), each when enabled in the options.
#include "detect/agent_config/config_kind.h"
#include "detect/agent_config/scan_context.h"

namespace refguard::detect::agent_config {

/// Finds the server maps a file of `kind` can hold ("mcpServers", "servers",
/// "mcp": {"servers"}) and checks every server in them.
void check_server_maps(const Json& document, ConfigKind kind, const ScanContext& context);

/// One server: {"command", "args", "env", "headers", "url" | "serverUrl" | "httpUrl"}.
void check_server(const Json& server, const JsonPath& path, const ScanContext& context);

}  // namespace refguard::detect::agent_config
