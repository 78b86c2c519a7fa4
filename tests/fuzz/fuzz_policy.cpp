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

namespace {

int test_one(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    // Deep tables from any input: dotted keys in a header, then arrays (see nested()).
    const std::string deep = refguard::fuzz::nested(text, "version = 1\n[a", ".a", "", "]\nx = 1\n");
    refguard::policy::PolicySpec deep_spec;
    auto deep_applied = refguard::policy::apply_layer(deep_spec, deep, "fuzz.toml", refguard::policy::LayerKind::kRepository);
    if (!deep_applied) FUZZ_CHECK(!deep_applied.error().message.empty(), "a rejected layer says why");
  }
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

}  // namespace

// On a worker-sized stack: see on_worker_stack.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return refguard::fuzz::on_worker_stack([&] { return test_one(data, size); });
}
