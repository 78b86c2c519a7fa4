#include "util/entropy.h"

#include <array>
#include <cmath>

namespace refguard {

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0.0;
  std::array<size_t, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  double entropy = 0.0;
  double size = static_cast<double>(text.size());
  for (size_t count : counts) {
    if (count == 0) continue;
    double p = static_cast<double>(count) / size;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

}  // namespace refguard
