#pragma once
// Asks git for a repository's config values: runs `git config -z --includes
// --get-regexp` as a child process and parses its listing. Git, not refguard,
// then decides which files count (system, global, XDG, includes, includeIf
// conditions, GIT_CONFIG_* variables, `git -c`) and how values are quoted.
// Standard library and POSIX only: the hook links it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace refguard::ipc {

/// One line of git's listing. `key` is as git prints it: section and name
/// lower-cased. A key written without `=` ("[refguard] glHookErr") has no value.
struct GitConfigEntry {
  std::string key;
  std::optional<std::string> value;
};

/// Splits the output of `git config -z --get-regexp` ("key\nvalue\0" or
/// "key\0" per entry) into entries, in git's order (the last one wins).
std::vector<GitConfigEntry> parse_git_config_listing(std::string_view listing);

/// What to ask git and how.
struct GitConfigQuery {
  std::string git_dir;      // git runs there with GIT_DIR=., as receive-pack runs hooks
  std::string key_pattern;  // an extended regex over the lower-cased key, e.g. "^refguard\\.[^.]*$"
  std::string git = "git";  // the program, looked up on PATH (tests name a stand-in)
};

/// Most git may print before refguard stops reading and reports an error.
inline constexpr size_t kMaxGitConfigListing = 64u << 10;

/// The raw listing of the keys matching `query.key_pattern`, empty when none
/// does. An error when git cannot be run, exits other than 0 or 1 (git's "no
/// key matched"), is killed, or prints more than kMaxGitConfigListing. Git's
/// own stderr (say, "bad config line 3 in file ...") goes to ours. Blocks
/// until git exits. Reads `environ`: no other thread may change the
/// environment meanwhile.
Expected<std::string> run_git_config_query(const GitConfigQuery& query);

}  // namespace refguard::ipc
