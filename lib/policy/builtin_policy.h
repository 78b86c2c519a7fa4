#pragma once
// The built-in default policy: config/builtin/*.toml, compiled into the binary
// so refguard protects a repository with no configuration at all.
#include <string_view>

namespace refguard::policy {

std::string_view builtin_policy_text();
inline constexpr std::string_view kBuiltinPolicyName = "<built-in policy>";

}  // namespace refguard::policy
