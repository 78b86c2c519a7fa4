#pragma once
// Known, accepted findings, like gitleaks' .gitleaksignore: a file with one
// finding id per line (the id every report prints: "finding 7d294fbb").
// Blank lines and `#` comments are skipped; text after an id is a comment
// ("7d294fbb  # test fixture, INC-42"). Two places, both optional:
//   - `.refguardignore` at the top of the default branch, as it is before the
//     push (committed by repository admins, like .refguard.toml);
//   - `refguardignore` in the bare repository's directory (server admins).
// Neither silences a rule the system policy locks: those findings stay, and
// the caller is told. Pure functions over text, plus one reader; thread-safe.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <git2.h>

#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "engine/report.h"
#include "util/error.h"

namespace refguard::engine {

inline constexpr const char* kCommittedIgnoreFile = ".refguardignore";
inline constexpr const char* kRepositoryIgnoreFile = "refguardignore";

struct IgnoreList {
  std::set<std::string> ids;
  std::vector<std::string> sources;   // files read, for messages
  std::vector<std::string> problems;  // "file:line: 'x' is not a finding id", unreadable files
};

/// Adds the ids in `text` (named `source` in problems) to `list`.
void parse_ignore_text(std::string_view text, const std::string& source, IgnoreList& list);

/// Reads `<git_dir>/refguardignore` (if present) and the committed text of
/// .refguardignore (nullopt: none) into one list.
IgnoreList load_ignore_list(const std::string& git_dir, const std::optional<std::string>& committed);

/// Both ignore files of a repository: `refguardignore` in `git_dir` and
/// .refguardignore on the default branch of `repository`, as it is now
/// (before the push being checked lands). A committed file that cannot be
/// read becomes a problem, never a failure. Call it under the repository's
/// lock (libgit2 handles are single-threaded).
IgnoreList load_repository_ignore_list(git_repository* repository, const std::string& git_dir);

/// Reads one ignore file given on a command line (`refguard scan --ignore-file`).
Expected<void> read_ignore_file(const std::string& path, IgnoreList& list);

struct IgnoreOutcome {
  size_t ignored = 0;                  // findings removed
  std::vector<std::string> notes;      // locked rules kept, for the report
};

/// Removes the findings whose id is in `list`, except those of locked rules.
IgnoreOutcome drop_ignored(const CompiledPolicy& policy, const IgnoreList& list, std::vector<Finding>& findings);

/// What the pusher is told: problems with the files (warnings), locked rules
/// kept (warnings), and how many known findings were left out (info).
std::vector<ReportLine> ignore_report_lines(const IgnoreList& list, const IgnoreOutcome& outcome);

}  // namespace refguard::engine
