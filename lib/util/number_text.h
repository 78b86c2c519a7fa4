#pragma once
// Counts as a person reads them in a remote: line ("scanned 1,200 of 5,000
// files"), whatever locale the daemon runs under.
#include <cstdint>
#include <string>
#include <string_view>

namespace refguard {

/// `n` with a comma between each group of three digits: 1234567 -> "1,234,567".
std::string with_thousands(uint64_t n);

/// A count and its noun, singular for one: counted(1, "commit", "commits") ->
/// "1 commit", counted(1200, "file", "files") -> "1,200 files".
std::string counted(uint64_t n, std::string_view one, std::string_view many);

}  // namespace refguard
