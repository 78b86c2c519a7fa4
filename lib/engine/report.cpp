#include "engine/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "util/number_text.h"

namespace refguard::engine {

namespace {

constexpr size_t kPrefixWidth = 10;  // "refguard: "

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

void add_wrapped(std::vector<ReportLine>& out, ipc::LineKind kind, std::string_view text, std::string_view indent) {
  for (const auto& line : wrap_words(text, kReportWidth - kPrefixWidth, indent)) add(out, kind, line);
}

// Warnings of one rule, in push order.
struct RuleGroup {
  const Finding* first = nullptr;
  std::vector<const Finding*> findings;
};

std::vector<RuleGroup> group_by_rule(const std::vector<const Finding*>& findings) {
  std::vector<RuleGroup> groups;
  std::map<std::string, size_t> index;
  for (const Finding* f : findings) {
    auto [at, inserted] = index.try_emplace(f->rule_id, groups.size());
    if (inserted) groups.push_back({f, {}});
    groups[at->second].findings.push_back(f);
  }
  return groups;
}

std::string summary_line(const std::vector<Finding>& findings) {
  size_t blocking = 0, bypassed = 0;
  std::set<std::string> files;
  for (const auto& f : findings) {
    if (f.severity == detect::Severity::kBlock) ++(f.bypassed ? bypassed : blocking);
    files.insert(f.path);
  }
  size_t warnings = findings.size() - blocking - bypassed;
  std::vector<std::string> parts;
  if (blocking > 0) parts.push_back(counted(blocking, "blocking finding", "blocking findings"));
  if (bypassed > 0) parts.push_back(counted(bypassed, "bypassed finding", "bypassed findings"));
  if (warnings > 0) parts.push_back(counted(warnings, "warning", "warnings"));
  return fmt::format("{} in {}", fmt::join(parts, ", "), counted(files.size(), "file", "files"));
}

std::string what_was_found(const Finding& f) {
  std::string what = location(f);
  if (!f.masked.empty()) what += "  " + f.masked;
  if (!f.detail.empty()) what += "  " + f.detail;
  return what;
}

// A blocking finding stands alone: its id is what -o refguard.allow=<id> takes.
// The remedy is printed once per rule.
void describe_blocking(std::vector<ReportLine>& out, const Finding& f, bool with_remedy) {
  ipc::LineKind kind = f.bypassed ? ipc::LineKind::kWarning : ipc::LineKind::kError;
  // The id before the description: a long description wraps, the id stays on the first line.
  add_wrapped(out, kind,
              fmt::format("{} [{}]{} {}", f.bypassed ? "BYPASSED" : "BLOCKED", f.rule_id,
                          f.id.empty() ? "" : fmt::format(" (finding {})", f.id), f.description),
              "    ");
  add(out, kind, "    at " + what_was_found(f));
  if (!f.commit_id.is_zero())
    add(out, kind, fmt::format("    in commit {} \"{}\"{}", short_id(f.commit_id), f.commit_subject,
                               f.ref.empty() ? "" : " on " + f.ref));
  if (with_remedy && !f.remedy.empty()) add_wrapped(out, kind, "    fix: " + f.remedy, "         ");
}

// Warnings: one heading per rule, its locations, the remedy once.
void describe_warnings(std::vector<ReportLine>& out, const RuleGroup& group, size_t shown) {
  const Finding& head = *group.first;
  auto kind = ipc::LineKind::kWarning;
  size_t total = group.findings.size();
  add_wrapped(out, kind,
              fmt::format("warning [{}]{} {}", head.rule_id,
                          total > 1 ? fmt::format(" ({})", counted(total, "finding", "findings")) : "", head.description),
              "    ");
  for (size_t i = 0; i < shown; ++i) {
    const Finding& f = *group.findings[i];
    std::string commit = f.commit_id.is_zero() ? "" : fmt::format("in commit {}, ", short_id(f.commit_id));
    add(out, kind, fmt::format("    at {}  ({}finding {})", what_was_found(f), commit, f.id));
  }
  if (shown < total) add(out, kind, fmt::format("    ... and {} more", counted(total - shown, "location", "locations")));
  if (!head.remedy.empty()) add_wrapped(out, kind, "    fix: " + head.remedy, "         ");
}

void advise_rewrite(std::vector<ReportLine>& out, const Finding& first, size_t commits) {
  auto error = [&](std::string_view text) { add(out, ipc::LineKind::kError, text); };
  error("");
  if (commits == 1) {
    error("To push again, remove the finding from the commit: edit the file, then `git commit --amend`,");
  } else {
    error("To push again, remove the finding from EVERY commit that has it (history keeps it):");
    error("    last commit only: edit the file, then `git commit --amend`;");
    error(fmt::format("    older: `git rebase -i {}^`, edit the file in each commit that has it,", short_id(first.commit_id)));
  }
  error("    and treat any exposed credential as leaked: rotate it.");
}

}  // namespace

std::string prefixed(std::string_view text) { return fmt::format("refguard: {}", text); }

std::vector<std::string> wrap_words(std::string_view text, size_t width, std::string_view indent) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  // The first line keeps its own leading spaces (the caller's indentation).
  size_t lead = text.find_first_not_of(' ');
  std::string first_indent(text.substr(0, lead == std::string_view::npos ? text.size() : lead));
  text.remove_prefix(first_indent.size());
  line = first_indent;
  bool line_has_word = false;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (line_has_word && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line = std::string(indent);
      line_has_word = false;
    }
    if (line_has_word) line += ' ';
    line += word;
    line_has_word = true;
  }
  lines.push_back(std::move(line));
  return lines;
}

std::vector<ReportLine> format_findings(const ReportInput& input) {
  std::vector<ReportLine> out;
  const auto& findings = *input.findings;
  if (findings.empty()) return out;
  bool any_blocking = std::any_of(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == detect::Severity::kBlock && !f.bypassed;
  });
  add(out, any_blocking ? ipc::LineKind::kError : ipc::LineKind::kWarning, summary_line(findings));
  std::vector<const Finding*> blocking, warnings;
  for (const auto& f : findings) (f.severity == detect::Severity::kBlock ? blocking : warnings).push_back(&f);
  // Blocking findings first, each shown while the budget lasts; then every
  // warning rule gets its heading and at least one location.
  size_t budget = std::max(input.max_shown, size_t{1});
  std::set<std::string> remedy_given;
  size_t shown_blocking = 0;
  for (const Finding* f : blocking) {
    if (shown_blocking == budget) break;
    describe_blocking(out, *f, remedy_given.insert(f->rule_id).second);
    ++shown_blocking;
  }
  budget -= shown_blocking;
  auto groups = group_by_rule(warnings);
  for (const auto& group : groups) {
    size_t shown = std::max<size_t>(1, std::min(group.findings.size(), budget));
    budget -= std::min(budget, shown);
    describe_warnings(out, group, shown);
  }
  if (shown_blocking < blocking.size()) {
    std::map<std::string, size_t> per_rule;
    for (size_t i = shown_blocking; i < blocking.size(); ++i) ++per_rule[blocking[i]->rule_id];
    std::vector<std::string> counts;
    for (const auto& [rule, count] : per_rule) counts.push_back(fmt::format("{} x{}", rule, count));
    add(out, ipc::LineKind::kError, fmt::format("... and {} more ({})",
                                               counted(blocking.size() - shown_blocking, "blocking finding", "blocking findings"),
                                               fmt::join(counts, ", ")));
  }
  auto still_blocking = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == detect::Severity::kBlock && !f.bypassed;
  });
  if (input.rejected && still_blocking != findings.end()) {
    std::set<git::ObjectId> commits;
    for (const auto& f : findings) commits.insert(f.commit_id);
    advise_rewrite(out, *still_blocking, input.commits > 0 ? input.commits : commits.size());
  }
  return out;
}

}  // namespace refguard::engine
