#pragma once
// What every agent_config check needs while scanning one file: the rule's
// options (shared, immutable), where lines are, and the hits being collected
// (owned by the caller, one file's scan at a time).
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "detect/agent_config/line_locator.h"
#include "detect/detector.h"

namespace refguard::detect::agent_config {

using Json = nlohmann::ordered_json;

/// The JSON object keys leading to a value: {"mcpServers", "github", "env", "TOKEN"}.
using JsonPath = std::vector<std::string>;

struct AgentConfigOptions {
  bool literal_tokens = true;
  bool unpinned_packages = true;
  bool shell = true;
  bool insecure_http = true;
  bool hooks = true;
  std::set<std::string, std::less<>> allow_unpinned;  // package names never reported as unpinned
};

struct ScanContext {
  const AgentConfigOptions& options;
  const LineLocator& lines;
  std::vector<Hit>& hits;

  void add(Severity severity, uint32_t line, std::string detail, std::string secret = {}) const {
    Hit hit;
    hit.line = line;
    hit.secret = std::move(secret);
    hit.detail = std::move(detail);
    hit.severity = severity;
    hits.push_back(std::move(hit));
  }
};

/// "mcpServers.github.env" for details.
inline std::string join_path(const JsonPath& path) {
  std::string out;
  for (const std::string& key : path) out += (out.empty() ? "" : ".") + key;
  return out;
}

inline JsonPath child_path(JsonPath path, std::string key) {
  path.push_back(std::move(key));
  return path;
}

}  // namespace refguard::detect::agent_config
