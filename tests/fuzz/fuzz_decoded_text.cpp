// The decoders behind UTF-16 files, binary text runs, base64 runs and zip /
// gzip / tar members (detect/decoded_text.h), then the whole built-in policy
// over the bytes as text and as binary (the private-key body reader, the
// connection-URL parser and the confusable-identifier lexer see them).
// Properties: nothing reads out of bounds (ASan), members and output stay
// within the limits, base64 runs lie inside the input.
#include <cstdint>
#include <memory>
#include <string_view>

#include "detect/decoded_text.h"
#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "fuzz_support.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"

namespace {

const refguard::engine::CompiledPolicy& builtin() {
  static const auto policy = [] {
    refguard::policy::PolicySpec spec;
    (void)refguard::policy::apply_layer(spec, refguard::policy::builtin_policy_text(), "builtin",
                                        refguard::policy::LayerKind::kBuiltin);
    return *refguard::engine::CompiledPolicy::compile(spec);
  }();
  return *policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  refguard::detect::DecodeLimits limits;
  limits.max_archive_output = 1 << 20;
  limits.max_member_bytes = 256 << 10;
  if (auto utf16 = refguard::detect::decode_utf16(bytes))
    FUZZ_CHECK(utf16->first.size() <= 2 * size, "UTF-16 decodes to at most 3 bytes per 2");
  FUZZ_CHECK(refguard::detect::text_runs(bytes, limits).size() <= 2 * size + 2, "text runs are bounded by the input");
  for (const auto& run : refguard::detect::base64_runs(bytes, limits))
    FUZZ_CHECK(run.column < size && run.text.size() <= size, "base64 runs lie inside the input");
  size_t members = 0, output = 0;
  refguard::detect::for_each_archive_member(
      bytes,
      [&](std::string_view, std::string_view member) {
        ++members;
        output += member.size();
        FUZZ_CHECK(member.size() <= limits.max_member_bytes, "a member is cut at the member limit");
      },
      limits);
  FUZZ_CHECK(members <= limits.max_archive_members, "members are bounded");
  FUZZ_CHECK(output <= limits.max_archive_output + limits.max_member_bytes, "archive output is bounded");
  (void)refguard::engine::scan_blob(builtin(), "src/app.py", "", bytes, false);
  (void)refguard::engine::scan_blob(builtin(), "data/blob.bin", "", bytes, true);
  return 0;
}
