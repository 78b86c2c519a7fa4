#pragma once
// Report formats of `refguard scan`: text for people, JSON (also the baseline
// format), and SARIF 2.1.0 for code-scanning tools.
#include <string>
#include <vector>

#include <git2.h>

#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "git/push_content.h"

namespace refguard::cli {

/// Version of the JSON report's layout (`schema_version`); raised when a field changes meaning.
inline constexpr int kScanJsonSchemaVersion = 2;

struct ScanReport {
  const std::vector<engine::Finding>* findings = nullptr;
  const engine::CompiledPolicy* policy = nullptr;
  size_t commits = 0;
  size_t files = 0;
  // Provenance, for JSON and SARIF (fill_provenance sets the repository's).
  size_t ignored = 0;              // findings dropped by an ignore file
  std::vector<std::string> ignore_files;
  std::string range;               // as given ("" = every ref)
  std::string repository;          // git dir scanned
  std::string repository_uri;      // origin's URL, else file:// of the git dir
  std::string revision;            // HEAD's commit id ("" when unborn)
  std::string branch;              // HEAD's branch ("refs/heads/main"), "" when detached
  std::string start_time, end_time;  // ISO 8601 UTC
  std::vector<std::string> command_line;
  // A partial clone (or a mirror without large objects): files whose blob the
  // repository lacks, not scanned. The scan is then incomplete (exit status 3).
  std::vector<git::MissingBlob> missing;
};

/// Sets repository, repository_uri, revision and branch from `repository`.
void fill_provenance(ScanReport& report, git_repository* repository, const std::string& git_dir);

std::string format_text(const ScanReport& report);
std::string format_json(const ScanReport& report);
std::string format_sarif(const ScanReport& report);

}  // namespace refguard::cli
