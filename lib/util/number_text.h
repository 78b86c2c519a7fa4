#pragma once
// Counts as a person reads them in a remote: line ("scanned 1,200 of 5,000
// files"), whatever locale the daemon runs under.
#include <cstdint>
#include <string>

namespace refguard {

/// `n` with a comma between each group of three digits: 1234567 -> "1,234,567".
std::string with_thousands(uint64_t n);

}  // namespace refguard
