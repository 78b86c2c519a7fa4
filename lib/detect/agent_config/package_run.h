#pragma once
// Packages an MCP server downloads and runs at start-up through a package
// runner (npx, bunx, pnpm dlx, uvx, uv tool run), and whether each names an
// exact version. An unpinned package runs whatever its registry serves today.
#include <string>
#include <vector>

namespace refguard::detect::agent_config {

struct PackageRun {
  std::string runner;  // "npx", "uvx", "pnpm dlx", ...
  std::string spec;    // as written: "@scope/pkg@latest"
  std::string name;    // "@scope/pkg", for allow-lists
  bool pinned = false;
};

/// The packages run by `tokens` (a command line after without_cmd_wrapper);
/// empty when it is not a package runner or runs only local paths.
std::vector<PackageRun> packages_run(const std::vector<std::string>& tokens);

/// npm specs: "pkg@1.2.3" and "@scope/pkg@1.2.3" are pinned; "pkg", "pkg@latest",
/// "pkg@^1.2" are not; git specs need a commit ("github:o/r#<sha>").
bool is_pinned_npm_spec(const std::string& spec, std::string* name);

/// Python specs: "pkg==1.2" and "pkg@1.2" are pinned; "pkg", "pkg@latest", "pkg>=1" are not.
bool is_pinned_python_spec(const std::string& spec, std::string* name);

}  // namespace refguard::detect::agent_config
