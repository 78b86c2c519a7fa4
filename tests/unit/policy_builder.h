#pragma once
// Compiles a policy from one TOML snippet applied as the system layer, for
// the engine's unit tests (the scanner and the prefilter).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/compiled_policy.h"
#include "policy/policy_layer.h"

namespace refguard::testing {

inline std::shared_ptr<const engine::CompiledPolicy> compile_policy(const std::string& text) {
  policy::PolicySpec spec;
  auto applied = policy::apply_layer(spec, text, "test.toml", policy::LayerKind::kSystem);
  INFO((applied ? std::string() : applied.error().message));
  REQUIRE(applied);
  auto compiled = engine::CompiledPolicy::compile(spec);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  return *compiled;
}

}  // namespace refguard::testing
