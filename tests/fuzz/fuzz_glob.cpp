// The glob compiler and matcher. Input: the pattern up to the first '\n',
// then one path per line. Properties: compile_globs agrees with compile;
// first_match agrees with matches; "**/" + a base-name pattern means the
// same as the pattern alone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "util/glob.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string pattern(input.substr(0, newline));
  input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  auto glob = refguard::Glob::compile(pattern);
  const std::vector<std::string> patterns = {pattern};
  auto globs = refguard::compile_globs(patterns);
  FUZZ_CHECK(glob.has_value() == globs.has_value(), "compile_globs agrees with compile");
  if (!glob) {
    FUZZ_CHECK(!glob.error().message.empty(), "a bad glob says why");
    return 0;
  }
  FUZZ_CHECK(glob->pattern() == pattern, "the pattern is kept as written");
  // Without any '/', a pattern matches base names at any depth: so does "**/pattern".
  std::optional<refguard::Glob> anywhere;
  if (pattern.find('/') == std::string::npos) {
    auto prefixed = refguard::Glob::compile("**/" + pattern);
    FUZZ_CHECK(prefixed.has_value(), "'**/p' compiles when 'p' does");
    anywhere.emplace(std::move(*prefixed));
  }

  while (true) {
    const size_t end = input.find('\n');
    const std::string_view path = input.substr(0, end);
    const bool matched = glob->matches(path);
    FUZZ_CHECK((refguard::first_match(*globs, path) != nullptr) == matched, "first_match agrees with matches");
    if (anywhere) FUZZ_CHECK(anywhere->matches(path) == matched, "'p' and '**/p' agree for a base-name pattern");
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return 0;
}
