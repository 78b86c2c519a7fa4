// What an admin reads when a policy is wrong, and what `refguard policy show`
// prints: misplaced keys say where they belong, typos the nearest key, bad
// values their own line; the effective policy is TOML that loads again.
#include <catch2/catch.hpp>

#include <string>

#include "engine/compiled_policy.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"
#include "policy_builder.h"

using namespace refguard;

namespace {

std::string layer_error(const std::string& text, policy::LayerKind kind = policy::LayerKind::kSystem) {
  policy::PolicySpec spec;
  REQUIRE(policy::apply_layer(spec, policy::builtin_policy_text(), "builtin", policy::LayerKind::kBuiltin));
  auto applied = policy::apply_layer(spec, text, "test.toml", kind);
  if (!applied) return applied.error().message;
  auto compiled = engine::CompiledPolicy::compile(spec);
  return compiled ? std::string() : compiled.error().message;
}

std::shared_ptr<const engine::CompiledPolicy> with_builtin(const std::string& text, const std::string& name,
                                                           policy::LayerKind kind) {
  policy::PolicySpec spec;
  REQUIRE(policy::apply_layer(spec, policy::builtin_policy_text(), "builtin", policy::LayerKind::kBuiltin));
  auto applied = policy::apply_layer(spec, text, name, kind);
  INFO((applied ? std::string() : applied.error().message));
  REQUIRE(applied);
  auto compiled = engine::CompiledPolicy::compile(spec);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  return *compiled;
}

}  // namespace

TEST_CASE("a key placed in the wrong table says where it belongs", "[policy]") {
  CHECK_THAT(layer_error("version = 1\n[ai]\npaths = []\nlocked = [\"openai-api-key\"]\n"),
             Catch::Contains("test.toml:4: ai.locked: unknown key here: `locked` belongs at the top level of the file"));
  CHECK_THAT(layer_error("[settings]\nsdks = []\n"), Catch::Contains("settings.sdks: unknown key here: `sdks` belongs in [ai]"));
}

TEST_CASE("a typo is told the nearest known key", "[policy]") {
  CHECK_THAT(layer_error("[settings]\ncontct = \"x\"\n"),
             Catch::Contains("test.toml:2: settings.contct: unknown key; did you mean 'contact'?"));
  CHECK_THAT(layer_error("[settings]\nbypass_user = [\"a\"]\n"), Catch::Contains("did you mean 'bypass_users'?"));
}

TEST_CASE("a bad glob points at its own line, not the [[rule]] header", "[policy]") {
  std::string error = layer_error(R"([[rule]]
id = "corp-token"
description = "Corp"
paths = ["!src/**"]
[rule.detector]
type = "regex"
pattern = "corp_[a-z]{8}"
)");
  CHECK_THAT(error, Catch::Contains("test.toml:4: rule 'corp-token'.paths"));
}

TEST_CASE("policy show prints TOML that loads again, as system and repository layer", "[policy]") {
  auto policy = with_builtin(R"(version = 1
[settings]
bypass_users = ["alice"]
contact = "security@example.test"
[[rule]]
id = "openai-api-key"
bypass_users = ["bob"]
[rule.allowlist]
paths = ["tests/fixtures/**"]
)", "system.toml", policy::LayerKind::kSystem);
  std::string text = policy->to_toml();
  CHECK_THAT(text, Catch::Contains("[rule.detector]"));
  CHECK_THAT(text, !Catch::Contains("\n[detector]"));
  CHECK_THAT(text, Catch::Contains("[rule.allowlist]"));
  CHECK_THAT(text, Catch::Contains("contact = 'security@example.test'"));
  CHECK(layer_error(text) == "");
  CHECK(layer_error(text, policy::LayerKind::kRepository) == "");
  auto again = with_builtin(text, "shown.toml", policy::LayerKind::kSystem);
  CHECK(again->rules().size() == policy->rules().size());
}

TEST_CASE("policy show --explain names each value's layer and who may bypass", "[policy]") {
  auto policy = with_builtin("version = 1\n[settings]\nbypass_users = [\"alice\"]\n[[rule]]\nid = \"openai-api-key\"\n"
                             "action = \"warn\"\nallow_bypass = false\n",
                             "system.toml", policy::LayerKind::kSystem);
  std::string text = policy->to_toml(true);
  CHECK_THAT(text, Catch::Contains("every rule that allows it: alice (settings.bypass_users, system.toml:3)"));
  CHECK_THAT(text, Catch::Contains("rule 'openai-api-key': nobody (allow_bypass = false)"));
  CHECK_THAT(text, Catch::Contains("#   action from system.toml:6"));
}
