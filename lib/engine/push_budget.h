#pragma once
// How much one push may bring and how long its check may take: the system
// policy's limits, or, for an import of an existing history (`git push -o
// refguard.import` by an import or bypass user), the import limits. Offline
// scans keep their own (PipelineOptions).
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "git/push_reader.h"

namespace refguard::engine {

inline constexpr const char* kImportOption = "refguard.import";

struct PushBudget {
  git::PushLimits limits;
  int time_budget_ms = 4000;
  bool import = false;
  std::vector<std::string> notices;  // what the pusher is told (an import refused, or granted)
};

/// The budget of a push by `pusher` with `push_options` under `policy`.
PushBudget push_budget(const CompiledPolicy& policy, const std::string& pusher,
                       const std::vector<std::string>& push_options);

}  // namespace refguard::engine
