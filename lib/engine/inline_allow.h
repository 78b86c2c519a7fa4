#pragma once
// Inline allows: a comment on a finding's line that silences it.
//
//   key = "..."  # refguard:allow                        every rule that may be bypassed
//   key = "..."  # refguard:allow openai-api-key          that rule only
//   key = "..."  # refguard:allow rule-a, rule-b -- test fixture
//
// The grammar, per line (config/README.md, "Inline allows"):
//   allow     = "refguard:allow" [ separator id *( "," id ) ] [ anything ]
//   separator = blanks, or blanks ":" or "=" blanks
//   id        = [A-Za-z0-9] [A-Za-z0-9_.-]*
// "refguard:allow" must end a word: "refguard:allowXYZ" is no allow. A bare
// allow silences every rule on its line; one with ids only the rules it
// names, so an id of no rule, or of another rule than the one that fired,
// silences nothing. Free text after the ids (a reason) is not read; a reason
// for a bare allow goes after "--".
//
// Scanning records what a line's allows say of each finding's rule
// (BlobFinding::inline_allow); apply_inline_allows decides, per push and
// under the policy in force, what that silences. Locks are not part of the
// scan cache's key, and an inline allow is a bypass anyone with push rights
// may write: a rule the system policy locks, or one nobody may bypass
// (allow_bypass = false), is never silenced inline.
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "engine/report.h"

namespace refguard::engine {

/// What the allows on one line say.
struct InlineAllows {
  bool present = false;                 // "refguard:allow" is on the line
  bool bare = false;                    // an allow naming no id
  std::vector<std::string> ids;         // the ids allows name
  std::vector<std::string> not_allows;  // text that starts like an allow and is none ("refguard:allowXYZ"), cut short
};

/// Pure; reads nothing but `line`.
InlineAllows read_inline_allows(std::string_view line);

/// What `allows` say of a finding of `rule_id`; for kNamesOther, `names` gets
/// what they name instead (space-separated, at most a few, each cut short:
/// it is pushed text, shown to the pusher).
InlineAllow judge_inline_allow(const InlineAllows& allows, std::string_view rule_id, std::string& names);

struct InlineAllowOutcome {
  std::vector<Finding> silenced;  // taken out of the findings
  std::vector<ReportLine> lines;  // allows that silenced nothing and why, then what was silenced
};

/// Moves the findings an inline allow silences out of `findings`; a locked
/// or unbypassable rule's findings stay. `audited`: the silenced findings go
/// into an audit record (a push; not an offline scan), and the pusher is told so.
InlineAllowOutcome apply_inline_allows(const CompiledPolicy& policy, std::vector<Finding>& findings, bool audited);

}  // namespace refguard::engine
