#pragma once
// What the pusher reads: findings grouped and short, each with the rule, the
// commit, path:line, the masked secret and what to do. A push with hundreds
// of findings shows a summary and the first few, never a wall of text.
#include <string>
#include <vector>

#include "engine/finding.h"
#include "ipc/reply.h"

namespace refguard::engine {

struct ReportLine {
  ipc::LineKind kind;
  std::string text;
};

struct ReportInput {
  const std::vector<Finding>* findings;
  size_t max_shown = 10;
  bool rejected = false;
};

/// Lines for the pusher, each starting with "refguard: ".
std::vector<ReportLine> format_findings(const ReportInput& input);

/// "refguard: " + text.
std::string prefixed(std::string_view text);

}  // namespace refguard::engine
