#pragma once
// Masking of secrets for anything a human or a log will read: a finding
// never shows a whole secret, only enough of a prefix to recognise which key it is.
#include <string>
#include <string_view>

namespace refguard {

/// Returns e.g. "sk-proj-AB…(164 chars)". At most a quarter of the secret and
/// never more than 8 characters are shown; secrets under 8 characters show none.
std::string mask_secret(std::string_view secret);

}  // namespace refguard
