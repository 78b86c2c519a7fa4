#pragma once
// Finding kind 1: literal credentials where a reference (${VAR}, ${input:id})
// belongs. Every hit is BLOCK and carries the literal in Hit::secret only.
#include "detect/agent_config/scan_context.h"

namespace refguard::detect::agent_config {

/// A string-to-string object such as a server's "env" or "headers": values
/// judged with their key as the name.
void check_literal_map(const Json& object, const JsonPath& path, const ScanContext& context);

/// A server's "args": "--api-key=…", the argument after "--token", "NAME=…",
/// "Header: …", and known-format tokens anywhere.
void check_literal_args(const Json& args, const JsonPath& path, const ScanContext& context);

/// A remote server's URL: credentials in its query string ("?api_key=…").
void check_literal_url(const std::string& url, const JsonPath& path, const ScanContext& context);

/// For a file that does not parse (a stray comma, a missing brace, nesting
/// refused as too deep): reads its string literals in order, as an editor's
/// tolerant JSONC reader would, and reports literal credentials in values
/// whose key (or preceding "--flag" in an array) names a secret, and
/// known-format tokens in any value. Linear, no recursion. `why` ends each
/// finding's detail ("the file does not parse").
void check_literals_tolerantly(std::string_view text, std::string_view why, const ScanContext& context);

}  // namespace refguard::detect::agent_config
