#pragma once
// Reading command lines as a shell would: metacharacters, download-and-execute
// pipelines, and a safe one-line rendering for finding details.
#include <string>
#include <string_view>

namespace refguard::detect::agent_config {

/// ; | & ` $( > or <: the text does more than run one program when a shell reads it.
bool has_shell_metacharacters(std::string_view text);

/// `curl … | sh`, `wget -O- … | sudo bash`, `bash <(curl …)`, `sh -c "$(curl …)"`,
/// `iex (irm …)`: fetches code from the network and runs it unseen. Thread-safe.
bool downloads_and_executes(std::string_view text);

/// `text` on one line, at most `limit` characters plus "…", with every known-format
/// credential in it masked, so a detail can show a command without leaking a token.
std::string display_command(std::string_view text, size_t limit = 80);

}  // namespace refguard::detect::agent_config
