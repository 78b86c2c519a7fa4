#pragma once
// What the pusher reads: a summary line ("3 blocking findings, 18 warnings in
// 6 files"), then the findings grouped by rule: one heading per rule with its
// remedy once (wrapped at about 100 columns), then each location with the
// commit and the masked secret (or, for unsafe code, the line). A push with
// hundreds of findings shows the first few and a count per rule, never a
// wall of text.
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
  size_t max_shown = 10;  // locations shown in all; the rest are counted per rule
  bool rejected = false;
  size_t commits = 0;     // commits in the push: the rebase advice is for more than one (0 = unknown)
};

/// Columns a report line may take ("refguard: " included) before it wraps.
inline constexpr size_t kReportWidth = 100;

/// Lines for the pusher, each starting with "refguard: ".
std::vector<ReportLine> format_findings(const ReportInput& input);

/// "refguard: " + text.
std::string prefixed(std::string_view text);

/// `text` split at spaces into lines of at most `width` columns; every line
/// but the first starts with `indent`. A word longer than a line is kept whole.
std::vector<std::string> wrap_words(std::string_view text, size_t width, std::string_view indent);

}  // namespace refguard::engine
