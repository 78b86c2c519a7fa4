#pragma once
// A policy as written: the values read from TOML layers, merged, before
// anything is compiled. Kept as plain data so layering and locking are
// simple to reason about and the effective policy can be printed.
#include <toml++/toml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace refguard::policy {

enum class Action { kBlock, kWarn, kOff };
std::optional<Action> parse_action(std::string_view text);
std::string_view to_string(Action action);
/// block > warn > off: a later layer may not lower a locked rule.
int strength(Action action);

enum class TimeoutVerdict { kReject, kAccept };

struct AllowlistSpec {
  std::vector<std::string> paths;     // globs
  std::vector<std::string> regexes;   // RE2, on the matched secret (or the line when there is none)
  std::vector<std::string> stopwords; // case-insensitive substrings of the secret
  std::vector<std::string> commits;   // commit ids or unique prefixes
  std::vector<std::string> values;    // exact secrets (published example keys)
  std::vector<std::string> path_regexes;  // RE2 on the file path (what gitleaks allowlists use)
};

/// Where a value came from, for error messages: "file:line".
struct Origin {
  std::string file;
  uint32_t line = 0;
  std::string text() const;
};

struct RuleSpec {
  std::string id;
  std::string description;
  Action action = Action::kBlock;
  std::string remedy;
  std::vector<std::string> paths;          // scope; empty = every file
  bool ai_only = false;
  // [rule.detector], type included: a pointer into the parsed document, which
  // detector_doc keeps alive (a copied toml::table would lose its source lines).
  const toml::table* detector = nullptr;
  std::shared_ptr<const toml::table> detector_doc;
  AllowlistSpec allowlist;
  std::vector<std::string> bypass_users;   // may push past this rule with a reason
  bool allow_bypass = true;                // false: nobody may bypass (set by locks)
  bool locked = false;
  std::string locked_by;                   // the layer that locked it
  Origin origin;                           // where the rule was (last) defined
  std::string detector_file;               // file holding the detector table
  // Where each value was last set ("paths", "allowlist.paths", "action", ...):
  // errors point at the value's line, `refguard policy show --explain` names its layer.
  std::map<std::string, Origin> value_origins;
  /// The origin of `key`'s value, else where the rule was defined.
  const Origin& origin_of(const std::string& key) const {
    auto found = value_origins.find(key);
    return found == value_origins.end() ? origin : found->second;
  }
};

struct Settings {
  int time_budget_ms = 4000;
  TimeoutVerdict on_timeout = TimeoutVerdict::kReject;
  std::vector<std::string> policy_editors;  // who may change .refguard.toml; empty = anyone
  std::vector<std::string> bypass_users;    // may bypass every rule that allows it (system layers)
  std::vector<std::string> repository_bypass_users;  // the same from repository layers: never for locked rules
  size_t max_findings_shown = 10;
  int progress_interval_ms = 500;           // at most one progress line per interval during a long scan
  std::string contact;                      // whom a refused pusher should ask
  std::string notes_ref = "refs/notes/refguard";
  // Push limits (system policy only): a push beyond them is refused unscanned.
  // max_push_mib counts every new blob of the push, scanned before or not, so a
  // retry after a refusal meets the same limit (issue 18).
  size_t max_push_commits = 200000;
  uint64_t max_push_mib = 1024;
  // A push is checked a window of commits at a time (engine/push_scan.h):
  // what one window may hold of files (512 bytes each) and whole messages.
  // Larger: fewer windows, a little less CPU on a very long history (a
  // window's blobs are read in pack order); smaller: less memory.
  uint64_t scan_window_mib = 32;
  // Importing an existing history: `git push -o refguard.import` by one of
  // import_users (or a bypass user) is checked under these instead, every file
  // scanned, with progress lines all along; its verdict is as explicit as any.
  std::vector<std::string> import_users;
  int import_time_budget_ms = 3600000;
  size_t import_max_push_commits = 10000000;
  uint64_t import_max_push_mib = 65536;
  std::map<std::string, Origin> value_origins;  // "contact", "bypass_users", "repository_bypass_users", ...
};

/// Protects refs: e.g. no force-push or deletion of main and release branches.
struct RefRuleSpec {
  std::vector<std::string> refs;  // globs over full ref names ("refs/heads/release/*")
  bool forbid_force_push = false;
  bool forbid_delete = false;
  std::string message;
  Origin origin;
};

struct PolicySpec {
  Settings settings;
  std::vector<std::string> ai_paths;
  std::vector<std::string> ai_sdks;
  std::vector<RuleSpec> rules;              // in definition order
  std::vector<RefRuleSpec> ref_rules;       // every layer's, in order
  std::vector<std::string> sources;         // the layers merged, in order
  std::map<std::string, Origin> value_origins;  // "ai.paths", "ai.sdks", "locked"
};

}  // namespace refguard::policy
