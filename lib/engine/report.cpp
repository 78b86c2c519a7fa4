#include "engine/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace refguard::engine {

namespace {

std::string short_id(const git::ObjectId& commit) { return commit.short_hex(); }

std::string location(const Finding& finding) {
  std::string text = finding.path;
  if (!finding.where.empty()) text += fmt::format(" ({})", finding.where);
  if (finding.line > 0) text += fmt::format(":{}", finding.line);
  return text;
}

void add(std::vector<ReportLine>& out, ipc::LineKind kind, std::string_view text) {
  out.push_back({kind, prefixed(text)});
}

void describe(std::vector<ReportLine>& out, const Finding& f) {
  bool block = f.severity == detect::Severity::kBlock;
  ipc::LineKind kind = block ? ipc::LineKind::kError : ipc::LineKind::kWarning;
  if (f.bypassed) kind = ipc::LineKind::kWarning;
  add(out, kind, fmt::format("{} [{}] {}{}", f.bypassed ? "BYPASSED" : block ? "BLOCKED" : "warning", f.rule_id,
                             f.description,
                             f.id.empty() ? "" : fmt::format("  (finding {})", f.id)));
  std::string what = location(f);
  if (!f.masked.empty()) what += "  " + f.masked;
  if (!f.detail.empty()) what += "  " + f.detail;
  add(out, kind, "    at " + what);
  if (!f.commit_id.is_zero())
    add(out, kind, fmt::format("    in commit {} \"{}\"{}", short_id(f.commit_id), f.commit_subject,
                               f.ref.empty() ? "" : " on " + f.ref));
  if (!f.remedy.empty()) add(out, kind, "    fix: " + f.remedy);
}

}  // namespace

std::string prefixed(std::string_view text) { return fmt::format("refguard: {}", text); }

std::vector<ReportLine> format_findings(const ReportInput& input) {
  std::vector<ReportLine> out;
  const auto& findings = *input.findings;
  if (findings.empty()) return out;
  std::vector<const Finding*> blocking, warnings;
  for (const auto& f : findings) (f.severity == detect::Severity::kBlock ? blocking : warnings).push_back(&f);
  size_t shown = 0;
  for (const auto* group : {&blocking, &warnings}) {
    for (const Finding* f : *group) {
      if (shown == input.max_shown) break;
      describe(out, *f);
      ++shown;
    }
  }
  if (shown < findings.size()) {
    std::map<std::string, size_t> per_rule;
    for (const auto& f : findings) ++per_rule[f.rule_id];
    std::vector<std::string> counts;
    for (const auto& [rule, count] : per_rule) counts.push_back(fmt::format("{} x{}", rule, count));
    add(out, ipc::LineKind::kInfo, fmt::format("... and {} more findings ({} in all: {})", findings.size() - shown,
                                               findings.size(), fmt::join(counts, ", ")));
  }
  auto still_blocking = std::find_if(blocking.begin(), blocking.end(), [](const Finding* f) { return !f->bypassed; });
  if (input.rejected && still_blocking != blocking.end()) {
    const Finding& first = **still_blocking;
    add(out, ipc::LineKind::kError, "");
    add(out, ipc::LineKind::kError, "To push again, remove the finding from EVERY commit that has it (history keeps it):");
    add(out, ipc::LineKind::kError,
        fmt::format("    last commit only: edit the file, then `git commit --amend`; older: `git rebase -i {}^`",
                    short_id(first.commit_id)));
    add(out, ipc::LineKind::kError, "    and treat any exposed credential as leaked: rotate it.");
  }
  return out;
}

}  // namespace refguard::engine
