#pragma once
// Report formats of `refguard scan`: text for people, JSON (also the baseline
// format), and SARIF 2.1.0 for code-scanning tools.
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/finding.h"

namespace refguard::cli {

struct ScanReport {
  const std::vector<engine::Finding>* findings;
  const engine::CompiledPolicy* policy;
  size_t commits;
  size_t files;
};

std::string format_text(const ScanReport& report);
std::string format_json(const ScanReport& report);
std::string format_sarif(const ScanReport& report);

}  // namespace refguard::cli
