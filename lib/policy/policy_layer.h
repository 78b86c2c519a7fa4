#pragma once
// Reads one policy file (TOML) and merges it onto the policy built so far.
// Layers, in order: the built-in default, the system file, then the
// repository's own files. A later layer adds rules, overrides a rule's
// action, remedy or allowlist by id, or turns a rule off; the system layer
// may lock rules so that repository layers cannot weaken them.
// Every error names file:line, the key and why.
#include <string>
#include <string_view>

#include "policy/rule_spec.h"
#include "util/error.h"

namespace refguard::policy {

/// kRepository is the server's file in the bare repository (server admins);
/// kCommitted is .refguard.toml on the default branch (anyone who may push
/// there). Both may not lock rules or set time budgets, and never weaken a
/// locked rule. A committed layer may moreover only tighten (add rules, raise
/// warn to block, add ref rules) while no earlier layer names policy_editors:
/// out of the box, a writer cannot turn rules off by committing a file.
enum class LayerKind { kBuiltin, kSystem, kRepository, kCommitted };

/// Parses `text` (named `source` in errors) and merges it into `spec`.
/// On error `spec` may be partly changed: callers merge into a copy.
Expected<void> apply_layer(PolicySpec& spec, std::string_view text, const std::string& source, LayerKind kind);

}  // namespace refguard::policy
