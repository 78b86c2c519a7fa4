#include "engine/finding_ignore.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "git/default_branch.h"
#include "util/number_text.h"
#include "util/small_file.h"

namespace refguard::engine {

namespace {

constexpr size_t kMaxIgnoreBytes = 1 << 20;

bool is_finding_id(std::string_view word) {
  return word.size() == 8 && word.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Expected<std::optional<std::string>> read_text(const std::string& path) {
  return read_small_file(path, kMaxIgnoreBytes, "ignore file");
}

bool rule_locked(const CompiledPolicy& policy, const std::string& rule_id) {
  for (const auto& rule : policy.rules())
    if (rule.spec.id == rule_id) return rule.spec.locked;
  return false;
}

}  // namespace

void parse_ignore_text(std::string_view text, const std::string& source, IgnoreList& list) {
  list.sources.push_back(source);
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    line = line.substr(0, line.find('#'));
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) continue;
    line.remove_prefix(start);
    std::string_view word = line.substr(0, line.find_first_of(" \t\r"));
    if (is_finding_id(word)) list.ids.emplace(word);
    else list.problems.push_back(fmt::format("{}:{}: '{}' is not a finding id (8 hex digits)", source, number, word));
  }
}

IgnoreList load_ignore_list(const std::string& git_dir, const std::optional<std::string>& committed) {
  IgnoreList list;
  std::string path = git_dir + "/" + kRepositoryIgnoreFile;
  if (auto text = read_text(path); !text) list.problems.push_back(text.error().message);
  else if (*text) parse_ignore_text(**text, path, list);
  if (committed) parse_ignore_text(*committed, std::string(kCommittedIgnoreFile) + " (default branch)", list);
  return list;
}

IgnoreList load_repository_ignore_list(git_repository* repository, const std::string& git_dir) {
  auto committed = git::read_default_branch_file(repository, kCommittedIgnoreFile);
  IgnoreList list = load_ignore_list(git_dir, committed ? *committed : std::nullopt);
  if (!committed) list.problems.push_back(committed.error().message);
  return list;
}

Expected<void> read_ignore_file(const std::string& path, IgnoreList& list) {
  auto text = read_text(path);
  if (!text) return std::unexpected(text.error());
  if (!*text) return fail(fmt::format("cannot read {}: {}", path, std::strerror(ENOENT)));
  parse_ignore_text(**text, path, list);
  return {};
}

IgnoreOutcome drop_ignored(const CompiledPolicy& policy, const IgnoreList& list, std::vector<Finding>& findings) {
  IgnoreOutcome outcome;
  if (list.ids.empty()) return outcome;
  std::set<std::string> kept_locked;
  std::erase_if(findings, [&](const Finding& f) {
    if (!list.ids.contains(f.id)) return false;
    if (rule_locked(policy, f.rule_id)) {
      if (kept_locked.insert(f.id).second)
        outcome.notes.push_back(fmt::format("finding {} is listed as ignored, but rule '{}' is locked by the system "
                                            "policy: it is still reported",
                                            f.id, f.rule_id));
      return false;
    }
    ++outcome.ignored;
    return true;
  });
  return outcome;
}

std::vector<ReportLine> ignore_report_lines(const IgnoreList& list, const IgnoreOutcome& outcome) {
  std::vector<ReportLine> lines;
  for (const auto& problem : list.problems) lines.push_back({ipc::LineKind::kWarning, prefixed(problem)});
  for (const auto& note : outcome.notes) lines.push_back({ipc::LineKind::kWarning, prefixed(note)});
  if (outcome.ignored > 0)
    lines.push_back({ipc::LineKind::kInfo,
                     prefixed(fmt::format("{} listed in {} not reported",
                                          counted(outcome.ignored, "known finding", "known findings"),
                                          fmt::join(list.sources, ", ")))});
  return lines;
}

}  // namespace refguard::engine
