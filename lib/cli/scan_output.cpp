#include "cli/scan_output.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "engine/report.h"
#include "git/handles.h"
#include "util/version.h"
#include "util/number_text.h"

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
  for (const auto& line : engine::format_findings({report.findings, report.findings->size(), false, report.commits}))
    out += line.text + "\n";
  out += engine::prefixed(fmt::format("{} in {} ({} scanned{})\n", counted(report.findings->size(), "finding", "findings"),
                                      counted(report.commits, "commit", "commits"),
                                      counted(report.files, "file", "files"),
                                      report.ignored == 0 ? "" : fmt::format("; {} ignored", counted(report.ignored, "finding", "findings"))));
  if (!report.missing.empty()) {
    out += engine::prefixed(fmt::format("INCOMPLETE: {} not in this repository (a partial clone, or a mirror "
                                        "without large objects), not scanned:\n",
                                        counted(report.missing.size(), "file", "files")));
    for (const auto& file : report.missing)
      out += fmt::format("  {} {} (blob {})\n", file.commit.substr(0, 12), file.path, file.blob);
  }
  return out;
}

namespace {
nlohmann::json missing_json(const std::vector<git::MissingBlob>& missing) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& file : missing) list.push_back({{"commit", file.commit}, {"path", file.path}, {"blob", file.blob}});
  return list;
}
}  // namespace

void fill_provenance(ScanReport& report, git_repository* repository, const std::string& git_dir) {
  report.repository = git_dir;
  report.repository_uri = "file://" + git_dir;
  // remote.origin.url read directly: git_remote_lookup matches the remote's
  // multivars with a regex, and libgit2 1.5 leaks each non-matching match
  // (its git_regexp_search; fixed upstream by libgit2 PR 6382).
  if (auto config = git::acquire_or_null<git::ConfigPtr>(git_repository_config_snapshot, repository)) {
    const char* url = nullptr;
    if (git_config_get_string(&url, config.get(), "remote.origin.url") == 0 && url && *url) report.repository_uri = url;
  }
  git_oid head{};
  if (git_reference_name_to_id(&head, repository, "HEAD") == 0) {
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof(hex), &head);
    report.revision = hex;
  }
  git_reference* symbolic = nullptr;
  if (git_reference_lookup(&symbolic, repository, "HEAD") == 0) {
    if (git_reference_type(symbolic) == GIT_REFERENCE_SYMBOLIC) report.branch = git_reference_symbolic_target(symbolic);
    git_reference_free(symbolic);
  }
}

std::string format_json(const ScanReport& report) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : *report.findings) findings.push_back(finding_json(f));
  nlohmann::json json = {{"tool", "refguard"},
                         {"version", std::string(kVersion)},
                         {"git_commit", std::string(kGitCommit)},
                         {"schema_version", kScanJsonSchemaVersion},
                         {"start_time", report.start_time},
                         {"end_time", report.end_time},
                         {"repository", report.repository},
                         {"revision", report.revision},
                         {"range", report.range},
                         {"policy_digest", report.policy->digest()},
                         {"commits", report.commits},
                         {"files", report.files},
                         {"ignored", report.ignored},
                         {"ignore_files", report.ignore_files},
                         {"complete", report.missing.empty()},
                         {"missing", missing_json(report.missing)},
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
  // No informationUri: refguard has no public home page, and SARIF makes it optional.
  nlohmann::json driver = {{"name", "refguard"}, {"version", std::string(kVersion)}, {"rules", rules}};
  if (!kGitCommit.empty()) driver["properties"] = {{"gitCommit", std::string(kGitCommit)}};
  nlohmann::json invocation = {{"executionSuccessful", true},
                               {"startTimeUtc", report.start_time},
                               {"endTimeUtc", report.end_time},
                               {"arguments", report.command_line}};
  if (!report.command_line.empty())
    invocation["commandLine"] = fmt::format("{}", fmt::join(report.command_line, " "));
  // SARIF's place for "the tool could not look at this": one warning per missing file.
  if (!report.missing.empty()) {
    nlohmann::json notifications = nlohmann::json::array();
    for (const auto& file : report.missing)
      notifications.push_back(
          {{"level", "warning"},
           {"descriptor", {{"id", "missing-blob"}}},
           {"message", {{"text", "not scanned: the blob " + file.blob + " of commit " + file.commit +
                                     " is not in this repository (partial clone)"}}},
           {"locations", {{{"physicalLocation", {{"artifactLocation", {{"uri", file.path}}}}}}}},
           {"properties", {{"commit", file.commit}, {"blob", file.blob}}}});
    invocation["toolExecutionNotifications"] = notifications;
  }
  nlohmann::json run = {{"tool", {{"driver", driver}}}, {"invocations", {invocation}}, {"results", results}};
  if (!report.repository_uri.empty()) {
    nlohmann::json provenance = {{"repositoryUri", report.repository_uri}};
    if (!report.revision.empty()) provenance["revisionId"] = report.revision;
    if (!report.branch.empty()) provenance["branch"] = report.branch;
    run["versionControlProvenance"] = {provenance};
  }
  nlohmann::json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                          {"version", "2.1.0"},
                          {"runs", {run}}};
  return sarif.dump(2) + "\n";
}

}  // namespace refguard::cli
