#include "detect/agent_config/config_kind.h"

#include <array>
#include <tuple>
#include <utility>

namespace refguard::detect::agent_config {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// The directory holding the file ("a/.vscode/settings.json" -> ".vscode").
std::string_view parent_name(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return base_name(path.substr(0, slash));
}

// MCP server files are recognised wherever they live: .vscode/mcp.json,
// .cursor/mcp.json and .windsurf/mcp_config.json are covered by the bare name.
constexpr std::array<std::string_view, 5> kServerFileNames = {".mcp.json", "mcp.json", "claude_desktop_config.json",
                                                              "mcp_config.json", "cline_mcp_settings.json"};

// Generic names that only mean something inside a particular folder.
constexpr std::array<std::tuple<std::string_view, std::string_view, ConfigKind>, 4> kFolderFiles = {{
    {".vscode", "settings.json", ConfigKind::kVscodeSettings},
    {".claude", "settings.json", ConfigKind::kClaudeSettings},
    {".claude", "settings.local.json", ConfigKind::kClaudeSettings},
    {".gemini", "settings.json", ConfigKind::kGeminiSettings},
}};

}  // namespace

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::optional<ConfigKind> config_kind_for_path(std::string_view path) {
  std::string_view name = base_name(path);
  for (std::string_view known : kServerFileNames)
    if (iequals(name, known)) return ConfigKind::kMcpServers;
  std::string_view folder = parent_name(path);
  for (const auto& [dir, file, kind] : kFolderFiles)
    if (iequals(folder, dir) && iequals(name, file)) return kind;
  return std::nullopt;
}

}  // namespace refguard::detect::agent_config
