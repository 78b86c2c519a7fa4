// A policy file as an admin or a repository writes it: apply_layer on
// arbitrary text, then CompiledPolicy::compile when it loads. The layer kind
// follows the input's length so that every kind is reached. Properties: a
// loaded policy either compiles or says why; a compiled one prints as TOML.
// Compiling is skipped for big policies to keep each run cheap.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/compiled_policy.h"
#include "fuzz_support.h"
#include "policy/policy_layer.h"

namespace {
constexpr size_t kMaxRulesCompiled = 8;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto kind = static_cast<refguard::policy::LayerKind>(size % 3);
  refguard::policy::PolicySpec spec;
  auto applied = refguard::policy::apply_layer(spec, text, "fuzz.toml", kind);
  if (!applied) {
    FUZZ_CHECK(!applied.error().message.empty(), "a rejected layer says why");
    return 0;
  }
  if (spec.rules.size() > kMaxRulesCompiled) return 0;
  auto compiled = refguard::engine::CompiledPolicy::compile(spec);
  if (!compiled) {
    FUZZ_CHECK(!compiled.error().message.empty(), "a policy that does not compile says why");
    return 0;
  }
  FUZZ_CHECK((*compiled)->rules().size() <= spec.rules.size(), "no rule appears from nowhere");
  (void)(*compiled)->to_toml();
  return 0;
}
