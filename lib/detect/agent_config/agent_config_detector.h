#pragma once
// The `agent_config` detector: parses the MCP server and agent settings files
// that coding agents and editors read (.mcp.json, .vscode/mcp.json,
// claude_desktop_config.json, .claude/settings.json, ...; see config_kind.h)
// and reports, with a severity per finding:
//   literal_tokens     BLOCK  a literal credential in a server's env/headers/args
//                             (or URL query, or Claude settings "env")
//   unpinned_packages  WARN   npx/bunx/pnpm dlx/uvx running a package with no exact version
//   shell              WARN   shell metacharacters when the command is a shell;
//                      BLOCK  `curl … | sh`-style download-and-execute
//   insecure_http      WARN   a remote server over plain http:// to a non-loopback host
//   hooks              WARN   commands run by Claude Code hooks/statusLine/helpers;
//                      BLOCK  when they download and execute
// A recognised file that does not parse as JSON with comments is one WARN.
// Whole-file detector; immutable and thread-safe after construction.
//
// [rule.detector]
// type = "agent_config"
// allow_unpinned = ["@modelcontextprotocol/server-filesystem"]  (optional; package names)
// checks = ["literal_tokens", "hooks"]                           (optional; default and [] = all)
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_agent_config_detector(DetectorParams& params);

}  // namespace refguard::detect
