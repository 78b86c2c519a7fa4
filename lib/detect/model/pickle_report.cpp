#include "detect/model/pickle_report.h"

#include <fmt/format.h>

namespace refguard::detect::model {

namespace {

void add(std::vector<Hit>& hits, Severity severity, std::string detail, const PickleSite& site) {
  Hit hit;
  hit.detail = std::move(detail) + site.context;
  hit.where = site.where;
  hit.severity = severity;
  hits.push_back(std::move(hit));
}

}  // namespace

void report_pickle(const PickleResult& result, const GlobalPolicy& policy, const PickleSite& site, bool strict,
                   std::vector<Hit>& hits) {
  bool complete = !result.error;
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
