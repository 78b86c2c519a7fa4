#pragma once
// Turns what the pickle scanner found into findings (Hits): one per
// dangerous or unknown global, per extension code, and one for a pickle
// that cannot be parsed.
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/model/global_policy.h"
#include "detect/model/pickle_scanner.h"

namespace refguard::detect::model {

/// Where the pickle was: the Hit's `where`, and the words appended to each detail.
struct PickleSite {
  std::string where;    // "archive/data.pkl", "pickle #2", or ""
  std::string context;  // " in archive member archive/data.pkl", or ""
};

/// `strict`: the content has to be a pickle (by name or format), so a parse
/// failure is itself a finding (fail closed). Otherwise the content was only
/// probed because it looked like one: then only a complete pickle, or a
/// dangerous global that would have been called before the failure, is reported.
void report_pickle(const PickleResult& result, const GlobalPolicy& policy, const PickleSite& site, bool strict,
                   std::vector<Hit>& hits);

}  // namespace refguard::detect::model
