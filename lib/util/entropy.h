#pragma once
#include <string_view>

namespace refguard {

/// Shannon entropy of the byte distribution of `text`, in bits per byte.
/// Placeholders such as "xxxxxxxx" score near 0; random base62 keys above 4.5.
double shannon_entropy(std::string_view text);

}  // namespace refguard
