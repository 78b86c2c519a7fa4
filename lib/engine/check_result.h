#pragma once
// What the push pipeline decided about one push (or one offline range), and
// the figures the daemon's log, the audit record and `refguard scan` report.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "git/push_content.h"
#include "ipc/reply.h"

namespace refguard::engine {

/// How a checked push ended; each push counts under exactly one.
enum class PushOutcome { kAccept, kReject, kBypass, kTimeout, kError };
inline constexpr std::array kPushOutcomes = {PushOutcome::kAccept, PushOutcome::kReject, PushOutcome::kBypass,
                                             PushOutcome::kTimeout, PushOutcome::kError};
/// "accept", "reject", "bypass", "timeout", "error": the words of the audit
/// log, the daemon's log, the metrics and `refguard audit --verdict`.
std::string_view to_string(PushOutcome outcome);

struct CheckResult {
  ipc::Verdict verdict = ipc::Verdict::kReject;
  std::vector<Finding> findings;
  std::vector<Finding> silenced_inline;      // silenced by a `refguard:allow` on their line: not in findings, audited
  std::vector<std::string> rule_violations;  // ref rules and policy-change rules broken (each blocks)
  std::vector<git::RefUpdate> updates;       // as pushed, `forced` filled in once the push was read
  std::string repository;                    // canonical git dir ("" if it could not be resolved)
  std::string error;                         // why the check itself failed ("" if it ran)
  std::shared_ptr<const CompiledPolicy> policy;  // the policy in force (null if it was never loaded)
  std::vector<std::string> warnings;  // policy layers that could not be used, ignore-file problems, locked findings kept
  size_t ignored = 0;                 // known findings dropped by an ignore file
  std::vector<std::string> ignore_files;  // the ignore files read
  size_t commits = 0;
  size_t files = 0;           // see ScanOutcome::files
  size_t cache_hits = 0;
  size_t commits_known = 0;   // commits whose changes came from the commit cache (read before)
  size_t unscanned = 0;       // files left unscanned when the time budget ran out
  size_t windows = 0;         // see ScanOutcome::windows
  std::vector<git::MissingBlob> missing;  // offline scans of partial clones: files not in the repository
  bool timed_out = false;
  bool import = false;        // checked under the import budget (-o refguard.import by an import user)
  size_t bypassed = 0;        // blocking findings pushed past
  std::string bypass_reason;
  int64_t duration_us = 0;    // the whole check, start to verdict (a push's is often under 1 ms)
  bool audited = false;       // its audit record is already written (a bypass is audited before it lands)

  bool accepted() const { return verdict == ipc::Verdict::kAccept; }
  int64_t duration_ms() const { return duration_us / 1000; }
  /// A failed check counts as an error, a time budget that ran out as a
  /// timeout (whatever on_timeout decided), an accepted push with bypassed
  /// findings as a bypass.
  PushOutcome outcome() const;
};

}  // namespace refguard::engine
