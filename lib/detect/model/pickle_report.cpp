#include "detect/model/pickle_report.h"

#include <fmt/format.h>

#include <string_view>

namespace refguard::detect::model {

namespace {

void add(std::vector<Hit>& hits, Severity severity, std::string detail, const PickleSite& site) {
  Hit hit;
  hit.detail = std::move(detail) + site.context;
  hit.where = site.where;
  hit.severity = severity;
  hits.push_back(std::move(hit));
}

// True for a dotted Python name ("os.path", "Model"); bytes past ASCII count
// as letters (Python accepts Unicode identifiers).
bool dotted_identifier(std::string_view text) {
  if (text.empty()) return false;
  bool part_start = true;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '.') {
      if (part_start) return false;
      part_start = true;
      continue;
    }
    bool letter = byte >= 0x80 || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!letter && !(c >= '0' && c <= '9' && !part_start)) return false;
    part_start = false;
  }
  return !part_start;
}

// Python's loader imports each global as it meets it, and nothing can be
// called before a first global exists. When that first import names no
// importable module or attribute ("onst x = require('./a')", from a
// JavaScript file that starts with 'c', GLOBAL), pickle.load fails right
// there: the bytes run nothing, whatever follows. (An extension code first
// is left to the usual judgement: the loader's registry decides it.)
bool load_fails_at_first_import(const PickleResult& result) {
  const PickleGlobal* first = nullptr;
  for (const auto& global : result.globals)
    if (!first || global.offset < first->offset) first = &global;
  if (!first) return false;
  for (const auto& [code, offset] : result.extension_codes)
    if (offset < first->offset) return false;
  return !dotted_identifier(first->module) || !dotted_identifier(first->name);
}

}  // namespace

void report_pickle(const PickleResult& result, const GlobalPolicy& policy, const PickleSite& site, bool strict,
                   std::vector<Hit>& hits) {
  bool complete = !result.error;
  // Text that merely parses as a pickle (not named one, no PROTO header) but
  // could not load: nothing to report. A file named a pickle is judged as
  // always (fail closed).
  if (!strict && load_fails_at_first_import(result)) return;
  for (const auto& global : result.globals) {
    // An incomplete, non-strict scan (text that merely starts like a pickle)
    // reports only dangerous globals that are called: judge nothing else.
    if (!complete && !strict && !global.called) continue;
    Judgement judgement = policy.judge(global.module, global.name);
    std::string qualified = global.module + "." + global.name;
    if (judgement.verdict == Verdict::kDangerous && (complete || strict || global.called)) {
      add(hits, Severity::kBlock, fmt::format("pickle imports {} (dangerous: {})", qualified, judgement.reason), site);
    } else if (judgement.verdict == Verdict::kUnknown && (complete || strict)) {
      add(hits, Severity::kWarn,
          fmt::format("pickle imports {} (unknown global: not on the safe list, and loading runs its code)", qualified),
          site);
    }
  }
  if (complete || strict) {
    for (const auto& [code, offset] : result.extension_codes)
      add(hits, Severity::kWarn,
          fmt::format("pickle uses copyreg extension code {} at byte {} (unknown global: the loader's registry decides "
                      "what it imports)",
                      code, offset),
          site);
  }
  if (result.error && strict)
    add(hits, Severity::kBlock,
        fmt::format("pickle cannot be parsed at byte {}: {} (fail closed: it cannot be shown to be safe)",
                    result.error->offset, result.error->why),
        site);
}

}  // namespace refguard::detect::model
