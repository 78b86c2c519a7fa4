#pragma once
// Helpers shared by the fuzz targets. A target aborts (libFuzzer then saves
// the input as a crash) when a documented property of the code under test
// does not hold, not only when a sanitizer fires.
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "detect/file_view.h"

#define FUZZ_CHECK(condition, what)                                                   \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

namespace refguard::fuzz {

/// Every line of `content` as an added line, the way the engine presents a new file.
inline std::vector<detect::AddedLine> all_lines(std::string_view content) {
  std::vector<detect::AddedLine> lines;
  uint32_t number = 1;
  while (!content.empty()) {
    const size_t end = content.find('\n');
    lines.push_back({number++, content.substr(0, end)});
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace refguard::fuzz
