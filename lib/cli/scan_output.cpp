#include "cli/scan_output.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "engine/report.h"

namespace refguard::cli {

namespace {

std::string severity_word(detect::Severity severity) {
  return severity == detect::Severity::kBlock ? "block" : "warn";
}

nlohmann::json finding_json(const engine::Finding& f) {
  return {{"id", f.id},           {"rule", f.rule_id},     {"severity", severity_word(f.severity)},
          {"description", f.description}, {"commit", f.commit_id.hex()}, {"subject", f.commit_subject},
          {"ref", f.ref},         {"path", f.path},        {"line", f.line},
          {"where", f.where},     {"secret", f.masked},    {"detail", f.detail},
          {"remedy", f.remedy}};
}

}  // namespace

std::string format_text(const ScanReport& report) {
  std::string out;
  for (const auto& line : engine::format_findings({report.findings, report.findings->size(), false}))
    out += line.text + "\n";
  out += engine::prefixed(fmt::format("{} findings in {} commits ({} files scanned)\n", report.findings->size(),
                                      report.commits, report.files));
  return out;
}

std::string format_json(const ScanReport& report) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : *report.findings) findings.push_back(finding_json(f));
  nlohmann::json json = {{"tool", "refguard"},
                         {"policy_digest", report.policy->digest()},
                         {"commits", report.commits},
                         {"files", report.files},
                         {"findings", findings}};
  return json.dump(2) + "\n";
}

std::string format_sarif(const ScanReport& report) {
  nlohmann::json rules = nlohmann::json::array();
  std::map<std::string, size_t> rule_index;
  for (const auto& rule : report.policy->rules()) {
    rule_index[rule.spec.id] = rules.size();
    rules.push_back({{"id", rule.spec.id},
                     {"name", rule.spec.id},
                     {"shortDescription", {{"text", rule.spec.description.empty() ? rule.spec.id : rule.spec.description}}},
                     {"help", {{"text", rule.spec.remedy.empty() ? rule.spec.description : rule.spec.remedy}}},
                     {"defaultConfiguration",
                      {{"level", rule.spec.action == policy::Action::kBlock ? "error" : "warning"}}}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& f : *report.findings) {
    nlohmann::json region = {{"startLine", f.line > 0 ? f.line : 1}};
    std::string text = f.description;
    if (!f.masked.empty()) text += " (" + f.masked + ")";
    if (!f.detail.empty()) text += ": " + f.detail;
    nlohmann::json result = {
        {"ruleId", f.rule_id},
        {"level", f.severity == detect::Severity::kBlock ? "error" : "warning"},
        {"message", {{"text", text}}},
        {"locations", {{{"physicalLocation", {{"artifactLocation", {{"uri", f.path}}}, {"region", region}}}}}},
        {"partialFingerprints", {{"refguardFindingId/v1", f.id}}},
        {"properties", {{"commit", f.commit_id.hex()}, {"commitSubject", f.commit_subject}, {"ref", f.ref}}},
    };
    if (auto found = rule_index.find(f.rule_id); found != rule_index.end()) result["ruleIndex"] = found->second;
    results.push_back(std::move(result));
  }
  nlohmann::json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool", {{"driver", {{"name", "refguard"}, {"informationUri", "https://localhost/refguard"},
                               {"version", "0.1.0"}, {"rules", rules}}}}},
         {"results", results}}}}};
  return sarif.dump(2) + "\n";
}

}  // namespace refguard::cli
