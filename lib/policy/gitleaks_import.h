#pragma once
// Reads a gitleaks configuration (gitleaks.toml) and turns it into refguard
// rules, so an admin who kept custom gitleaks rules loses none of them:
//
//   [[rules]] id, description, regex, secretGroup, entropy, keywords, path, tags
//       -> [[rule]] id "gitleaks.<id>", action "block", a regex detector with
//          pattern, secret_group, min_entropy, keywords and path_pattern (or,
//          for a rule with only `path`, a path detector with that pattern)
//   [rules.allowlist] / [[rules.allowlists]] and the global [allowlist] /
//   [[allowlists]] (with targetRules):
//       regexes (regexTarget "secret", or "match" when the secret is the
//       whole match) -> allowlist.regexes; regexTarget "line" -> the
//       detector's `unless`; stopwords -> stopwords; paths -> path_regexes;
//       commits -> commits; condition "AND" when it joins one kind of entry
//   [extend] useDefault = true -> nothing: refguard's built-in rules stand
//       for gitleaks' defaults (config/README.md has the table)
//
// Anything else is refused, every construct at once, as "file:line: what:
// why" naming the construct: an unknown key, `[extend] path` or
// `disabledRules`, condition "AND" across kinds of entries (refguard
// allowlists drop a finding when any one entry matches), regexTarget
// "match" on a rule with a secretGroup, a regex RE2 rejects (Go's regexp
// and RE2 share a syntax; the rare differences are refused, not guessed).
#include <toml++/toml.h>

#include <memory>
#include <string>

#include "util/error.h"

namespace refguard::policy {

inline constexpr size_t kMaxGitleaksConfigBytes = 1 << 20;

/// The refguard rules, as a document {rule = [...]} that read_rule accepts.
Expected<std::shared_ptr<toml::table>> import_gitleaks(const std::string& path);

/// The same from text already read (`source` names it in errors).
Expected<std::shared_ptr<toml::table>> import_gitleaks_text(std::string_view text, const std::string& source);

}  // namespace refguard::policy
