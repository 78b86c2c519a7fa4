#include "detect/agent_config/agent_config_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "detect/agent_config/config_kind.h"
#include "detect/agent_config/jsonc.h"
#include "detect/agent_config/literal_checks.h"
#include "detect/agent_config/scan_context.h"
#include "detect/agent_config/server_checks.h"
#include "detect/agent_config/settings_checks.h"

namespace refguard::detect {

namespace {

using agent_config::AgentConfigOptions;
using agent_config::ConfigKind;

class AgentConfigDetector final : public Detector {
 public:
  explicit AgentConfigDetector(AgentConfigOptions options) : options_(std::move(options)) {}

  // Only MCP server and agent settings files, recognised by name.
  bool may_report_at(std::string_view path) const override {
    return agent_config::config_kind_for_path(path).has_value();
  }

  void scan_file(const FileView& file, std::vector<Hit>& hits) const override {
    auto kind = agent_config::config_kind_for_path(file.path);
    if (!kind || is_blank(file.content)) return;
    auto document = agent_config::parse_jsonc(file.content);
    agent_config::LineLocator lines(file.content);
    agent_config::ScanContext context{options_, lines, hits};
    if (!document) {
      report_parse_error(file, document.error(), hits);
      // Editors load such files anyway (their JSONC readers are tolerant): a
      // stray comma must not let a literal token through.
      if (options_.literal_tokens)
        agent_config::check_literals_tolerantly(file.content, document.error().too_deep ? "the file nests too deeply to parse" : "the file does not parse", context);
      return;
    }
    agent_config::check_server_maps(*document, *kind, context);
    if (*kind != ConfigKind::kClaudeSettings) return;
    if (options_.literal_tokens) agent_config::check_settings_env(*document, context);
    if (options_.hooks) agent_config::check_settings_commands(*document, context);
  }

 private:
  // Editors create empty settings files; there is nothing in them to check.
  static bool is_blank(std::string_view content) {
    return content.find_first_not_of(" \t\r\n") == std::string_view::npos;
  }

  // A warning, not a block: editors tolerate odd files and the author may know
  // better (the literal tokens in it are still found, tolerantly). Nesting
  // deeper than any config needs is refused: it is an attack on parsers, and
  // such a file is not checked, so it must not land.
  static void report_parse_error(const FileView& file, const agent_config::JsoncError& error, std::vector<Hit>& hits) {
    Hit hit;
    hit.line = error.line;
    if (error.too_deep) {
      hit.detail = fmt::format("{} is {}: refused unchecked (no MCP or agent config nests that deep)",
                               agent_config::base_name(file.path), error.reason);
      hit.severity = Severity::kBlock;
    } else {
      hit.detail =
          fmt::format("cannot parse {} as JSON with comments: {}", agent_config::base_name(file.path), error.reason);
      hit.severity = Severity::kWarn;
    }
    hits.push_back(std::move(hit));
  }

  const AgentConfigOptions options_;
};

// The names accepted in `checks`, and the option each one switches.
constexpr std::array<std::pair<std::string_view, bool AgentConfigOptions::*>, 5> kChecks = {{
    {"literal_tokens", &AgentConfigOptions::literal_tokens},
    {"unpinned_packages", &AgentConfigOptions::unpinned_packages},
    {"shell", &AgentConfigOptions::shell},
    {"insecure_http", &AgentConfigOptions::insecure_http},
    {"hooks", &AgentConfigOptions::hooks},
}};

// Applies `checks` to `options`; false (with errors recorded) when a name is unknown.
bool select_checks(DetectorParams& params, AgentConfigOptions& options) {
  std::vector<std::string> names = params.strings("checks");
  // DetectorParams cannot tell `checks = []` from no key; both keep every check on.
  if (names.empty()) return true;
  for (const auto& check : kChecks) options.*check.second = false;
  bool ok = true;
  for (const std::string& name : names) {
    auto it = std::find_if(kChecks.begin(), kChecks.end(), [&](const auto& check) { return check.first == name; });
    if (it != kChecks.end()) {
      options.*it->second = true;
      continue;
    }
    params.error("checks", fmt::format("unknown check '{}' (known: literal_tokens, unpinned_packages, shell, "
                                       "insecure_http, hooks)",
                                       name));
    ok = false;
  }
  return ok;
}

}  // namespace

std::unique_ptr<Detector> make_agent_config_detector(DetectorParams& params) {
  AgentConfigOptions options;
  bool ok = select_checks(params, options);
  for (std::string& name : params.strings("allow_unpinned")) {
    if (name.empty()) {
      params.error("allow_unpinned", "must not hold an empty package name");
      ok = false;
    }
    options.allow_unpinned.insert(std::move(name));
  }
  if (!ok) return nullptr;
  return std::make_unique<AgentConfigDetector>(std::move(options));
}

}  // namespace refguard::detect
