#include "engine/inline_allow.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "util/number_text.h"

namespace refguard::engine {

namespace {

constexpr std::string_view kMarker = "refguard:allow";
// Pushed text shown back: a few names, each cut short (a "name" may be a key
// pasted in the wrong place).
constexpr size_t kMaxNamesShown = 4;
constexpr size_t kMaxNameShown = 40;
constexpr size_t kMaxNotAllowTail = 12;
// Lines about allows that silenced nothing, before the rest is counted.
constexpr size_t kMaxNotices = 10;

bool is_id_start(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_id_char(char c) { return is_id_start(c) || c == '_' || c == '-' || c == '.'; }

size_t skip_blanks(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  return at;
}

size_t id_end(std::string_view text, size_t at) {
  while (at < text.size() && is_id_char(text[at])) ++at;
  return at;
}

std::string cut(std::string_view text, size_t most) {
  if (text.size() <= most) return std::string(text);
  return std::string(text.substr(0, most)) + "…";
}

// The ids after a marker: `rest` is what follows "refguard:allow".
std::vector<std::string> read_ids(std::string_view rest) {
  std::vector<std::string> ids;
  size_t at = skip_blanks(rest, 0);
  if (at < rest.size() && (rest[at] == ':' || rest[at] == '='))
    at = skip_blanks(rest, at + 1);
  else if (at == 0)
    return ids;  // "refguard:allow*/", "refguard:allow.": nothing named
  while (at < rest.size() && is_id_start(rest[at])) {
    size_t end = id_end(rest, at);
    ids.emplace_back(rest.substr(at, end - at));
    size_t next = skip_blanks(rest, end);
    if (next >= rest.size() || rest[next] != ',') break;  // what follows is free text
    at = skip_blanks(rest, next + 1);
  }
  return ids;
}

// Why the allows on a finding's line did not silence its rule, one phrase per name.
std::string why_not_named(const CompiledPolicy& policy, const std::string& names) {
  std::vector<std::string> phrases;
  size_t start = 0;
  while (start < names.size()) {
    size_t end = std::min(names.find(' ', start), names.size());
    std::string name = names.substr(start, end - start);
    start = end + 1;
    if (name.starts_with(kMarker))
      phrases.push_back(fmt::format("'{}' is not an allow", name));
    else if (policy.rule(name))
      phrases.push_back(fmt::format("it names '{}', another rule", name));
    else
      phrases.push_back(fmt::format("it names '{}', which is no rule of this policy", name));
  }
  return fmt::format("{}", fmt::join(phrases, "; "));
}

std::string location(const Finding& f) { return f.line > 0 ? fmt::format("{}:{}", f.path, f.line) : f.path; }

ipc::LineKind kind_of(const Finding& f) {
  return f.severity == detect::Severity::kBlock ? ipc::LineKind::kError : ipc::LineKind::kWarning;
}

// "refguard:allow ignored: ..." for a finding whose rule no inline allow may silence.
std::string ignored_line(const CompiledRule& rule, const Finding& f) {
  if (rule.spec.locked)
    return fmt::format("refguard:allow ignored: rule '{}' is locked by the system policy (at {})", f.rule_id,
                       location(f));
  return fmt::format("refguard:allow ignored: nobody may bypass rule '{}' (allow_bypass = false; at {})", f.rule_id,
                     location(f));
}

// "2 findings silenced by refguard:allow (rule-a x2): recorded in the audit log".
std::string silenced_line(const std::vector<Finding>& silenced, bool audited) {
  std::map<std::string, size_t> per_rule;
  for (const auto& f : silenced) ++per_rule[f.rule_id];
  std::vector<std::string> rules;
  for (const auto& [rule, count] : per_rule) rules.push_back(count > 1 ? fmt::format("{} x{}", rule, count) : rule);
  return fmt::format("{} silenced by refguard:allow ({}){}", counted(silenced.size(), "finding", "findings"),
                     fmt::join(rules, ", "), audited ? ": recorded in the audit log" : "");
}

}  // namespace

InlineAllows read_inline_allows(std::string_view line) {
  InlineAllows allows;
  for (size_t at = line.find(kMarker); at != std::string_view::npos; at = line.find(kMarker, at + kMarker.size())) {
    allows.present = true;
    std::string_view rest = line.substr(at + kMarker.size());
    if (!rest.empty() && is_id_char(rest.front())) {  // "refguard:allowXYZ": not the word
      allows.not_allows.push_back(std::string(kMarker) + cut(rest.substr(0, id_end(rest, 0)), kMaxNotAllowTail));
      continue;
    }
    auto ids = read_ids(rest);
    if (ids.empty()) allows.bare = true;
    for (auto& id : ids) allows.ids.push_back(std::move(id));
  }
  return allows;
}

InlineAllow judge_inline_allow(const InlineAllows& allows, std::string_view rule_id, std::string& names) {
  if (!allows.present) return InlineAllow::kNone;
  if (allows.bare || std::find(allows.ids.begin(), allows.ids.end(), rule_id) != allows.ids.end())
    return InlineAllow::kNamesRule;
  std::vector<std::string> shown;
  for (const auto& id : allows.ids) shown.push_back(cut(id, kMaxNameShown));
  for (const auto& text : allows.not_allows) shown.push_back(text);
  if (shown.size() > kMaxNamesShown) shown.resize(kMaxNamesShown);
  names = fmt::format("{}", fmt::join(shown, " "));
  return InlineAllow::kNamesOther;
}

InlineAllowOutcome apply_inline_allows(const CompiledPolicy& policy, std::vector<Finding>& findings, bool audited) {
  InlineAllowOutcome outcome;
  std::vector<Finding> kept;
  size_t notices = 0, unshown = 0;
  bool explain_syntax = false;
  auto say = [&](ipc::LineKind kind, std::string_view text) {
    for (const auto& line : wrap_words(text, kReportWidth - prefixed("").size(), "    "))
      outcome.lines.push_back({kind, prefixed(line)});
  };
  auto notice = [&](ipc::LineKind kind, const std::string& text) {
    if (notices++ < kMaxNotices)
      say(kind, text);
    else
      ++unshown;
  };
  for (auto& finding : findings) {
    const CompiledRule* rule = policy.rule(finding.rule_id);
    if (finding.inline_allow == InlineAllow::kNamesRule && rule) {
      if (!rule->spec.locked && rule->spec.allow_bypass) {
        outcome.silenced.push_back(std::move(finding));
        continue;
      }
      notice(kind_of(finding), ignored_line(*rule, finding));
    } else if (finding.inline_allow == InlineAllow::kNamesOther) {
      notice(kind_of(finding), fmt::format("refguard:allow at {} does not name rule '{}': {}", location(finding),
                                           finding.rule_id, why_not_named(policy, finding.allow_names)));
      explain_syntax = true;
    }
    kept.push_back(std::move(finding));
  }
  findings = std::move(kept);
  if (unshown > 0)
    say(ipc::LineKind::kWarning,
        fmt::format("... and {} more refguard:allow lines that silenced nothing", with_thousands(unshown)));
  if (explain_syntax)
    say(ipc::LineKind::kWarning,
        "    an allow names the rules it silences: `refguard:allow RULE-ID[,RULE-ID]`; "
        "`refguard:allow -- REASON` silences every rule that may be bypassed");
  if (!outcome.silenced.empty()) say(ipc::LineKind::kWarning, silenced_line(outcome.silenced, audited));
  return outcome;
}

}  // namespace refguard::engine
