#pragma once
// Compiles a policy from one TOML snippet applied as the system layer, for
// the engine's unit tests (the scanner and the prefilter).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "engine/compiled_policy.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"

namespace refguard::testing {

/// One rule standing in for a key: "demo-key" blocks `demo_` and 24 letters or digits.
inline const std::string kDemoKeyRule = R"(
[[rule]]
id = "demo-key"
description = "a demo key"
action = "block"
[rule.detector]
type = "regex"
pattern = 'demo_[A-Za-z0-9]{24}'
)";

/// One layer alone, compiled.
inline std::shared_ptr<const engine::CompiledPolicy> compile_layer(std::string_view text, const std::string& name,
                                                                    policy::LayerKind kind) {
  policy::PolicySpec spec;
  auto applied = policy::apply_layer(spec, text, name, kind);
  INFO((applied ? std::string() : applied.error().message));
  REQUIRE(applied);
  auto compiled = engine::CompiledPolicy::compile(spec);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  return *compiled;
}

inline std::shared_ptr<const engine::CompiledPolicy> compile_policy(const std::string& text) {
  return compile_layer(text, "test.toml", policy::LayerKind::kSystem);
}

/// The built-in policy alone, compiled once.
inline std::shared_ptr<const engine::CompiledPolicy> builtin_policy() {
  static const auto policy = compile_layer(policy::builtin_policy_text(), "builtin", policy::LayerKind::kBuiltin);
  return policy;
}

}  // namespace refguard::testing
