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

}  // namespace refguard::detect::agent_config
