#include "detect/agent_config/server_checks.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "detect/agent_config/command_line.h"
#include "detect/agent_config/credential.h"
#include "detect/agent_config/literal_checks.h"
#include "detect/agent_config/package_run.h"
#include "detect/agent_config/shell_text.h"

namespace refguard::detect::agent_config {

namespace {

// Different clients spell a remote server's address differently.
constexpr std::array<std::string_view, 3> kUrlKeys = {"url", "serverUrl", "httpUrl"};

std::string string_field(const Json& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::vector<std::string> string_array(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& element : *it)
    if (element.is_string()) out.push_back(element.get<std::string>());
  return out;
}

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& token : tokens) out += (out.empty() ? "" : " ") + token;
  return out;
}

void check_unpinned(const std::vector<std::string>& tokens, const JsonPath& path, const ScanContext& context) {
  for (const PackageRun& run : packages_run(without_cmd_wrapper(tokens))) {
    if (run.pinned || context.options.allow_unpinned.contains(run.name)) continue;
    context.add(Severity::kWarn, context.lines.find(path, run.spec),
                fmt::format("unpinned package '{}' run with {} in {}", run.spec, run.runner, join_path(path)));
  }
}

void check_shell(const std::vector<std::string>& tokens, const JsonPath& path, const ScanContext& context) {
  if (tokens.empty()) return;
  std::string line = join(tokens);
  // The needle for the line number: the first argument a shell would misread.
  std::string_view culprit = tokens.front();
  for (const std::string& token : tokens)
    if (has_shell_metacharacters(token)) {
      culprit = token;
      break;
    }
  if (downloads_and_executes(line)) {
    context.add(Severity::kBlock, context.lines.find(path, culprit),
                fmt::format("{} downloads and runs a script: {}", join_path(path), display_command(line)));
    return;
  }
  // Arguments reach a non-shell program verbatim; only a shell gives ; | & > their meaning.
  if (!is_shell_program(program_name(tokens.front())) || !has_shell_metacharacters(line)) return;
  context.add(
      Severity::kWarn, context.lines.find(path, culprit),
      fmt::format("shell metacharacters in the command line of {}: {}", join_path(path), display_command(line)));
}

const Json* find_path(const Json& document, const JsonPath& path) {
  const Json* node = &document;
  for (const std::string& key : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host.ends_with(".localhost") || host == "[::1]" || host == "::1" || host == "0.0.0.0")
    return true;
  return host.starts_with("127.");
}

// "http://user@Host:8080/path" -> "host".
std::string url_host(std::string_view url) {
  url.remove_prefix(std::string_view("http://").size());
  url = url.substr(0, url.find_first_of("/?#"));
  if (size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  // "[::1]:8080" keeps its brackets, "host:8080" loses its port.
  url = url.starts_with('[') ? url.substr(0, url.find(']') + 1) : url.substr(0, url.find(':'));
  std::string host(url);
  for (char& c : host)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return host;
}

void check_url(const std::string& url, const JsonPath& path, const ScanContext& context) {
  if (context.options.literal_tokens) check_literal_url(url, path, context);
  if (!context.options.insecure_http || url.size() < 7) return;
  std::string scheme = url.substr(0, 7);
  for (char& c : scheme)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (scheme != "http://" || is_reference(url)) return;
  std::string host = url_host(url);
  if (is_loopback_host(host)) return;
  context.add(Severity::kWarn, context.lines.find(path, url),
              fmt::format("plain http:// to non-loopback host '{}' in {}", host, join_path(path)));
}

}  // namespace

void check_server(const Json& server, const JsonPath& path, const ScanContext& context) {
  if (!server.is_object()) return;
  const AgentConfigOptions& options = context.options;
  if (options.literal_tokens) {
    for (std::string_view key : {"env", "headers"})
      if (auto it = server.find(key); it != server.end())
        check_literal_map(*it, child_path(path, std::string(key)), context);
    if (auto it = server.find("args"); it != server.end()) check_literal_args(*it, child_path(path, "args"), context);
  }
  std::vector<std::string> tokens = command_line(string_field(server, "command"), string_array(server, "args"));
  if (options.unpinned_packages) check_unpinned(tokens, path, context);
  if (options.shell) check_shell(tokens, path, context);
  for (std::string_view key : kUrlKeys)
    if (std::string url = string_field(server, key); !url.empty())
      check_url(url, child_path(path, std::string(key)), context);
}

void check_server_maps(const Json& document, ConfigKind kind, const ScanContext& context) {
  if (!document.is_object()) return;
  std::vector<JsonPath> maps = {{"mcpServers"}, {"mcp", "servers"}};
  if (kind == ConfigKind::kMcpServers) maps.push_back({"servers"});
  for (const JsonPath& map_path : maps) {
    const Json* servers = find_path(document, map_path);
    if (!servers || !servers->is_object()) continue;
    for (const auto& [name, server] : servers->items()) check_server(server, child_path(map_path, name), context);
  }
}

}  // namespace refguard::detect::agent_config
