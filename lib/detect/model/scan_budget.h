#pragma once
// How many bytes one file's scan may still read (the rule's max_scan_bytes).
// Shared by every stream of that file, so a zip of many members or a
// decompression bomb cannot multiply the limit. Per scan, never shared.
#include <cstdint>

namespace refguard::detect::model {

struct ScanBudget {
  uint64_t remaining;

  /// Takes up to n bytes from the budget; returns how many were granted.
  uint64_t take(uint64_t n) {
    uint64_t granted = n < remaining ? n : remaining;
    remaining -= granted;
    return granted;
  }
};

}  // namespace refguard::detect::model
