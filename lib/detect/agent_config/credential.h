#pragma once
// Tells a literal credential from a reference or a placeholder in the string
// values of MCP configs (env, headers, args). Pure functions, thread-safe.
#include <optional>
#include <string_view>

namespace refguard::detect::agent_config {

/// `${VAR}`, `${env:VAR}`, `${input:id}`, `{{VAR}}`, `$VAR`, `%VAR%`, or text holding one
/// ("Bearer ${input:token}"): the client substitutes it, so nothing secret is in the file.
bool is_reference(std::string_view value);

/// Text someone is meant to replace: "YOUR_API_KEY", "<token>", "xxxx", "changeme", "sk-...".
bool is_placeholder(std::string_view value);

/// True when a key, header or flag name says it holds a secret ("GITHUB_TOKEN",
/// "X-API-Key", "--api-key", "accessToken"); "PATH" or "max_tokens" do not.
bool is_secret_name(std::string_view name);

/// The known-format token ("ghp_…", "sk-ant-…", "AKIA…") that `text` starts
/// with, if any: a vendor prefix followed by enough random-looking characters.
std::optional<std::string_view> known_format_token(std::string_view text);

/// The first known-format token starting a word anywhere in `text`
/// ("--url=https://x?key=sk-…" finds "sk-…").
std::optional<std::string_view> find_known_format_token(std::string_view text);

/// The credential in `value` when it is a literal one: a known token format
/// ("ghp_…", "sk-ant-…", "AKIA…", "Bearer <literal>") anywhere, or, when `name`
/// is secret-looking, any literal that is not a short boring word. The result
/// views `value` and is only the token (no "Bearer " scheme).
std::optional<std::string_view> literal_credential(std::string_view name, std::string_view value);

}  // namespace refguard::detect::agent_config
