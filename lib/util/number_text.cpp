#include "util/number_text.h"

#include <fmt/format.h>

#include <locale>

namespace refguard {

namespace {

// The classic locale's digits with English grouping; fmt's {:L} applies it.
struct CommaGroups : std::numpunct<char> {
  char do_thousands_sep() const override { return ','; }
  std::string do_grouping() const override { return "\3"; }
};

const std::locale& comma_locale() {
  static const std::locale locale(std::locale::classic(), new CommaGroups);
  return locale;
}

}  // namespace

std::string with_thousands(uint64_t n) { return fmt::format(comma_locale(), "{:L}", n); }

std::string counted(uint64_t n, std::string_view one, std::string_view many) {
  return with_thousands(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace refguard
