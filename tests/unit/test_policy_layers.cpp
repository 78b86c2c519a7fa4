#include <catch2/catch.hpp>

#include "engine/bypass.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/policy_store.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"
#include "temp_repo.h"

using namespace refguard;
using engine::CompiledPolicy;
using engine::CompiledRule;
using engine::PolicyStore;
using policy::Action;
using policy::LayerKind;

namespace {

// A rule the built-in policy does not have; `keys` go into the rule table
// (before its [rule.detector] sub-table).
std::string corp_rule(const std::string& keys) {
  return R"(
[[rule]]
id = "corp-token"
description = "Corp token"
)" + keys + R"(
[rule.detector]
type = "regex"
pattern = '''\b(corp_[A-Za-z0-9]{20})\b'''
keywords = ["corp_"]
)";
}

const std::string kCorpRule = R"(
[[rule]]
id = "corp-token"
description = "Corp token"
action = "block"
[rule.detector]
type = "regex"
pattern = '''\b(corp_[A-Za-z0-9]{20})\b'''
keywords = ["corp_"]
)";

const std::string kRepoRule = R"(
[[rule]]
id = "repo-token"
description = "Repository token"
action = "warn"
[rule.detector]
type = "regex"
pattern = '''\b(repo_[A-Za-z0-9]{20})\b'''
)";

// A PolicyStore whose system file lives in a temp dir.
struct Store {
  test::TempDir dir;
  std::string system_path;
  std::unique_ptr<PolicyStore> store;

  explicit Store(const std::string& system_text) {
    system_path = dir.write("policy.toml", system_text);
    store = std::make_unique<PolicyStore>(system_path, true);
    auto loaded = store->reload();
    INFO((loaded ? std::string() : loaded.error().message));
    REQUIRE(loaded);
  }
  // A repository git dir (only its refguard.toml matters to the store).
  std::string git_dir() const {
    auto path = dir.path() / "repo.git";
    std::filesystem::create_directories(path);
    return path.string();
  }
};

const CompiledRule* find_rule(const CompiledPolicy& policy, std::string_view id) {
  for (const auto& rule : policy.rules())
    if (rule.spec.id == id) return &rule;
  return nullptr;
}

bool has(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The error of a repository layer that must be refused.
std::string repository_error(PolicyStore& store, const std::string& text) {
  auto checked = store.check_repository_layer(text, "repo.toml");
  REQUIRE_FALSE(checked);
  return checked.error().message;
}

}  // namespace

TEST_CASE("policy layers: the built-in policy alone compiles and has its rules", "[policy_layers]") {
  policy::PolicySpec spec;
  REQUIRE(policy::apply_layer(spec, policy::builtin_policy_text(), std::string(policy::kBuiltinPolicyName),
                              LayerKind::kBuiltin));
  auto compiled = CompiledPolicy::compile(spec);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  const CompiledRule* openai = find_rule(**compiled, "openai-api-key");
  REQUIRE(openai);
  CHECK(openai->spec.action == Action::kBlock);
  CHECK_THAT(openai->spec.origin.text(), Catch::StartsWith("<built-in policy>:"));
  CHECK((*compiled)->sources() == std::vector<std::string>{"<built-in policy>"});
}

TEST_CASE("policy layers: system and repository layers add rules", "[policy_layers]") {
  Store s(kCorpRule);
  auto base = s.store->base_policy();
  REQUIRE(base);
  REQUIRE(find_rule(*base, "corp-token"));
  CHECK(find_rule(*base, "openai-api-key"));
  CHECK_FALSE(find_rule(*base, "repo-token"));
  CHECK((base->sources() == std::vector<std::string>{"<built-in policy>", s.system_path}));

  auto with_repo = s.store->check_repository_layer(kRepoRule, "repo.toml");
  INFO((with_repo ? std::string() : with_repo.error().message));
  REQUIRE(with_repo);
  const CompiledRule* repo_rule = find_rule(**with_repo, "repo-token");
  REQUIRE(repo_rule);
  CHECK(repo_rule->spec.action == Action::kWarn);
  CHECK(repo_rule->spec.origin.text() == "repo.toml:2");
  CHECK(find_rule(**with_repo, "corp-token"));
  CHECK((*with_repo)->digest() != base->digest());
}

TEST_CASE("policy layers: a later layer overrides a rule's action by id", "[policy_layers]") {
  Store s("[[rule]]\nid = \"openai-api-key\"\naction = \"warn\"\n");
  auto base = s.store->base_policy();
  REQUIRE(base);
  const CompiledRule* openai = find_rule(*base, "openai-api-key");
  REQUIRE(openai);
  CHECK(openai->spec.action == Action::kWarn);
  CHECK_FALSE(openai->spec.description.empty());  // the rest is kept from the built-in rule

  auto raised = s.store->check_repository_layer("[[rule]]\nid = \"openai-api-key\"\naction = \"block\"\n", "repo.toml");
  REQUIRE(raised);
  CHECK(find_rule(**raised, "openai-api-key")->spec.action == Action::kBlock);
  // Only one rule with that id, still in its built-in position.
  CHECK(std::count_if((*raised)->rules().begin(), (*raised)->rules().end(),
                      [](const CompiledRule& r) { return r.spec.id == "openai-api-key"; }) == 1);
}

TEST_CASE("policy layers: a repository layer extends a rule's allowlist", "[policy_layers]") {
  Store s(kCorpRule + "[rule.allowlist]\nstopwords = [\"system-word\"]\n");
  auto extended = s.store->check_repository_layer(
      "[[rule]]\nid = \"corp-token\"\n[rule.allowlist]\nstopwords = [\"repo-word\"]\npaths = [\"fixtures/**\"]\n",
      "repo.toml");
  INFO((extended ? std::string() : extended.error().message));
  REQUIRE(extended);
  const CompiledRule* rule = find_rule(**extended, "corp-token");
  REQUIRE(rule);
  CHECK(has(rule->spec.allowlist.stopwords, "system-word"));
  CHECK(has(rule->spec.allowlist.stopwords, "repo-word"));
  CHECK(has(rule->spec.allowlist.paths, "fixtures/**"));
  CHECK(rule->allowlist.allows_text("corp_REPO-WORD-inside"));
  CHECK(rule->allowlist.allows_text("corp_system-word"));
  CHECK_FALSE(rule->allowlist.allows_text("corp_AbCdEfGhIjKlMnOpQrSt"));
  CHECK_FALSE(rule->applies_to("fixtures/keys.txt", false));
  CHECK(rule->applies_to("src/keys.txt", false));
}

TEST_CASE("policy layers: a layer turns a rule off", "[policy_layers]") {
  Store s(kCorpRule);
  auto off = s.store->check_repository_layer("[[rule]]\nid = \"corp-token\"\naction = \"off\"\n", "repo.toml");
  REQUIRE(off);
  const CompiledRule* rule = find_rule(**off, "corp-token");
  REQUIRE(rule);
  CHECK(rule->spec.action == Action::kOff);
  CHECK_FALSE(rule->applies_to("src/a.py", true));
  CHECK(find_rule(*s.store->base_policy(), "corp-token")->applies_to("src/a.py", true));
}

TEST_CASE("policy layers: a repository layer may strengthen a locked rule", "[policy_layers]") {
  Store s(corp_rule("action = \"warn\"\nlocked = true"));
  auto base = s.store->base_policy();
  REQUIRE(find_rule(*base, "corp-token")->spec.locked);
  auto raised = s.store->check_repository_layer(
      "[[rule]]\nid = \"corp-token\"\naction = \"block\"\ndescription = \"ours\"\nremedy = \"call security\"\n",
      "repo.toml");
  INFO((raised ? std::string() : raised.error().message));
  REQUIRE(raised);
  const CompiledRule* rule = find_rule(**raised, "corp-token");
  CHECK(rule->spec.action == Action::kBlock);
  CHECK(rule->spec.remedy == "call security");
}

TEST_CASE("policy layers: a repository layer may not weaken a rule the system locked", "[policy_layers]") {
  struct Case {
    const char* name;
    std::string repository_text;
    const char* key;
  };
  const std::vector<Case> cases = {
      {"lower the action", "[[rule]]\nid = \"openai-api-key\"\naction = \"warn\"\n", "rule 'openai-api-key'.action"},
      {"turn it off", "[[rule]]\nid = \"openai-api-key\"\naction = \"off\"\n", "rule 'openai-api-key'.action"},
      {"add an allowlist", "[[rule]]\nid = \"openai-api-key\"\n[rule.allowlist]\nstopwords = [\"sk-\"]\n",
       "rule 'openai-api-key'.allowlist"},
      {"replace the detector",
       "[[rule]]\nid = \"openai-api-key\"\n[rule.detector]\ntype = \"regex\"\npattern = '''never-matches'''\n",
       "rule 'openai-api-key'.detector"},
      {"narrow its paths", "[[rule]]\nid = \"openai-api-key\"\npaths = [\"nothing/**\"]\n", "rule 'openai-api-key'.paths"},
      {"make it AI-only", "[[rule]]\nid = \"openai-api-key\"\nai_only = true\n", "rule 'openai-api-key'.ai_only"},
      {"add bypass users", "[[rule]]\nid = \"openai-api-key\"\nbypass_users = [\"mallory\"]\n",
       "rule 'openai-api-key'.bypass_users"},
      {"unlock it", "[[rule]]\nid = \"openai-api-key\"\nlocked = false\n", "rule 'openai-api-key'.locked"},
  };
  for (const char* lock : {"locked = [\"openai-api-key\"]\n", "[[rule]]\nid = \"openai-api-key\"\nlocked = true\n"}) {
    Store s(lock);
    REQUIRE(find_rule(*s.store->base_policy(), "openai-api-key")->spec.locked);
    for (const auto& c : cases) {
      INFO(lock << " / " << c.name);
      std::string error = repository_error(*s.store, c.repository_text);
      CHECK_THAT(error, Catch::Contains(c.key) && Catch::Contains("is locked by") &&
                            Catch::Contains("a repository policy may not weaken it"));
      CHECK_THAT(error, Catch::StartsWith("repo.toml:"));
    }
  }
}

TEST_CASE("policy layers: a system lock does not stop the system layer itself", "[policy_layers]") {
  policy::PolicySpec spec;
  REQUIRE(policy::apply_layer(spec, kCorpRule, "builtin.toml", LayerKind::kBuiltin));
  REQUIRE(policy::apply_layer(spec, "locked = [\"corp-token\"]\n[[rule]]\nid = \"corp-token\"\naction = \"warn\"\n",
                              "system.toml", LayerKind::kSystem));
  REQUIRE(spec.rules.size() == 1);
  CHECK(spec.rules[0].locked);
  CHECK(spec.rules[0].action == Action::kWarn);
}

TEST_CASE("policy layers: only the system policy may lock rules", "[policy_layers]") {
  Store s("");
  for (std::string text : {std::string("locked = [\"openai-api-key\"]\n"),
                           std::string("[[rule]]\nid = \"openai-api-key\"\nlocked = true\n"),
                           std::string("[[rule]]\nid = \"new-rule\"\nlocked = true\n[rule.detector]\ntype = \"regex\"\npattern = 'x'\n")}) {
    INFO(text);
    std::string error = repository_error(*s.store, text);
    CHECK_THAT(error, Catch::Contains("only the system policy may lock rules"));
  }
  // A system policy locking a rule nobody defined is an error too.
  policy::PolicySpec spec;
  auto locked_unknown = policy::apply_layer(spec, "locked = [\"no-such-rule\"]\n", "system.toml", LayerKind::kSystem);
  REQUIRE_FALSE(locked_unknown);
  CHECK_THAT(locked_unknown.error().message, Catch::Contains("system.toml:1: locked: no rule has the id 'no-such-rule'"));
}

TEST_CASE("policy layers: invalid policies are refused with file, line, key and reason", "[policy_layers]") {
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> error_parts;
  };
  const std::string head = "[[rule]]\nid = \"bad-rule\"\n";  // rule.detector would be on line 3
  const std::string regex = "[rule.detector]\ntype = \"regex\"\n";
  const std::vector<Case> cases = {
      {"invalid TOML", "version = 1\n[[rule]\nid = \"x\"\n", {"repo.toml:2:", "invalid TOML"}},
      {"unterminated string", "version = 1\n\n[settings]\nnotes_ref = \"refs/notes/x\n", {"repo.toml:4:", "invalid TOML"}},
      {"unknown top-level key", "version = 1\ncolour = \"blue\"\n", {"repo.toml:2: colour: unknown key"}},
      {"wrong version", "version = 2\n", {"repo.toml:1: version: this refguard reads policy version 1"}},
      {"unknown settings key", "[settings]\nspeed = 3\n", {"repo.toml:2: settings.speed: unknown key"}},
      {"unknown rule key", head + "severity = \"high\"\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule.severity: unknown key"}},
      {"unknown detector key", head + regex + "pattern = 'x'\nfoo = 1\n",
       {"repo.toml:", "rule 'bad-rule': detector.foo: unknown key"}},
      {"unknown detector type", head + "[rule.detector]\ntype = \"telepathy\"\n",
       {"rule 'bad-rule': detector.type: unknown detector 'telepathy'", "known: ", "regex"}},
      {"detector without type", head + "[rule.detector]\npattern = 'x'\n", {"rule 'bad-rule'.detector.type: is required"}},
      {"RE2 rejects the pattern", head + regex + "pattern = '''(unclosed'''\n",
       {"repo.toml:", "rule 'bad-rule': detector.pattern: RE2 rejects it: missing ): (unclosed"}},
      {"RE2 rejects an allowlist regex", head + regex + "pattern = 'x'\n[rule.allowlist]\nregexes = ['a[']\n",
       {"rule 'bad-rule'.allowlist.regexes: RE2 rejects 'a[': missing ]"}},
      {"bad scope glob", head + "paths = [\"src/[abc\"]\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule 'bad-rule'.paths: glob 'src/[abc' has a '[' at offset 4 that is never closed"}},
      {"bad allowlist glob", head + regex + "pattern = 'x'\n[rule.allowlist]\npaths = [\"a//b\"]\n",
       {"rule 'bad-rule'.allowlist.paths: glob 'a//b'"}},
      {"unknown action", head + "action = \"explode\"\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule 'bad-rule'.action: must be \"block\", \"warn\" or \"off\""}},
      {"missing detector for a new rule", head + "action = \"warn\"\n",
       {"repo.toml:1: rule 'bad-rule'.detector: a new rule needs a [rule.detector] table"}},
      {"rule without id", "[[rule]]\naction = \"warn\"\n", {"rule.id: every rule needs an id without spaces or commas"}},
      {"rule id with a space", "[[rule]]\nid = \"two words\"\n", {"rule.id: every rule needs an id"}},
      {"rule is not an array of tables", "rule = 5\n", {"repo.toml:1: rule: must be an array of tables ([[rule]])"}},
      {"id of the wrong type", "[[rule]]\nid = 7\n", {"repo.toml:2: rule.id: must be a string"}},
      {"description of the wrong type", head + "description = 3\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule 'bad-rule'.description: must be a string"}},
      {"paths not an array", head + "paths = \"*.py\"\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule 'bad-rule'.paths: must be an array of strings"}},
      {"paths holding a number", head + "paths = [\"*.py\", 3]\n" + regex + "pattern = 'x'\n",
       {"rule 'bad-rule'.paths: must be an array of strings"}},
      {"ai_only not a boolean", head + "ai_only = \"yes\"\n" + regex + "pattern = 'x'\n",
       {"repo.toml:3: rule 'bad-rule'.ai_only: must be true or false"}},
      {"detector not a table", head + "detector = \"regex\"\n",
       {"repo.toml:3: rule 'bad-rule'.detector: must be a table ([rule.detector])"}},
      {"allowlist not a table", head + "allowlist = [\"x\"]\n" + regex + "pattern = 'x'\n",
       {"rule 'bad-rule'.allowlist: must be a table ([rule.allowlist])"}},
      {"pattern not a string", head + regex + "pattern = 5\n", {"rule 'bad-rule': detector.pattern: must be a string"}},
      {"pattern missing", head + regex, {"rule 'bad-rule': detector.pattern: is required"}},
      {"min_entropy not a number", head + regex + "pattern = 'x'\nmin_entropy = \"high\"\n",
       {"repo.toml:", "rule 'bad-rule': detector.min_entropy: must be a number"}},
      {"keywords not strings", head + regex + "pattern = 'x'\nkeywords = [1]\n",
       {"rule 'bad-rule': detector.keywords: must be an array of strings"}},
      {"time budget out of range", "[settings]\ntime_budget_ms = -5\n",
       {"repo.toml:2: settings.time_budget_ms: must be an integer from"}},
      {"time budget not an integer", "[settings]\ntime_budget_ms = \"fast\"\n",
       {"settings.time_budget_ms: must be an integer"}},
      {"on_timeout value", "[settings]\non_timeout = \"shrug\"\n", {"settings.on_timeout: must be \"reject\" or \"accept\""}},
      {"scan window set by a repository", "[settings]\nscan_window_mib = 4096\n",
       {"repo.toml:2: settings.scan_window_mib: only the system policy may set it"}},
      {"progress every 10 ms would flood the pusher", "[settings]\nprogress_interval_ms = 10\n",
       {"repo.toml:2: settings.progress_interval_ms: must be an integer from 100"}},
      {"notes ref outside refs/notes", "[settings]\nnotes_ref = \"refs/heads/x\"\n",
       {"settings.notes_ref: must start with refs/notes/"}},
      {"unknown ai key", "[ai]\nmodels = []\n", {"repo.toml:2: ai.models: unknown key"}},
      {"bad ai path glob", "[ai]\npaths = [\"[\"]\n", {"ai.paths: glob '['"}},
  };
  Store s("");
  for (const auto& c : cases) {
    INFO(c.name << "\n--- policy ---\n" << c.text);
    std::string error = repository_error(*s.store, c.text);
    INFO("--- error ---\n" << error);
    for (const auto& part : c.error_parts) CHECK_THAT(error, Catch::Contains(part));
  }
}

TEST_CASE("policy layers: the scan window is the system policy's, from 1 MiB to 64 GiB", "[policy_layers]") {
  policy::PolicySpec spec;
  CHECK(spec.settings.scan_window_mib == 32);  // the built-in default
  REQUIRE(policy::apply_layer(spec, "[settings]\nscan_window_mib = 256\n", "system.toml", LayerKind::kSystem));
  CHECK(spec.settings.scan_window_mib == 256);
  for (std::string text : {"[settings]\nscan_window_mib = 0\n", "[settings]\nscan_window_mib = 70000\n",
                           "[settings]\nscan_window_mib = \"big\"\n"}) {
    INFO(text);
    policy::PolicySpec other;
    auto applied = policy::apply_layer(other, text, "system.toml", LayerKind::kSystem);
    REQUIRE_FALSE(applied);
    CHECK_THAT(applied.error().message, Catch::Contains("system.toml:2: settings.scan_window_mib: must be an integer"));
  }
}

TEST_CASE("policy layers: every problem in a layer is reported at once", "[policy_layers]") {
  policy::PolicySpec spec;
  auto applied = policy::apply_layer(spec, "colour = 1\n[settings]\nspeed = 2\n[[rule]]\nid = \"x\"\naction = \"loud\"\n",
                                     "repo.toml", LayerKind::kRepository);
  REQUIRE_FALSE(applied);
  const std::string& error = applied.error().message;
  CHECK_THAT(error, Catch::Contains("colour: unknown key"));
  CHECK_THAT(error, Catch::Contains("settings.speed: unknown key"));
  CHECK_THAT(error, Catch::Contains("rule 'x'.action"));
  CHECK(std::count(error.begin(), error.end(), '\n') >= 2);
}

TEST_CASE("policy store: reload keeps the last good system policy when the file turns invalid", "[policy_layers]") {
  Store s(kCorpRule);
  s.dir.write("policy.toml", "[[rule]\n");
  auto reloaded = s.store->reload();
  REQUIRE_FALSE(reloaded);
  CHECK_THAT(reloaded.error().message, Catch::Contains(s.system_path + ":1:") && Catch::Contains("invalid TOML"));
  CHECK(find_rule(*s.store->base_policy(), "corp-token"));

  s.dir.write("policy.toml", kRepoRule);
  REQUIRE(s.store->reload());
  CHECK(find_rule(*s.store->base_policy(), "repo-token"));
  CHECK_FALSE(find_rule(*s.store->base_policy(), "corp-token"));
}

TEST_CASE("policy store: a required system file that does not exist is an error", "[policy_layers]") {
  test::TempDir dir;
  PolicyStore required((dir.path() / "missing.toml").string(), true);
  auto loaded = required.reload();
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("does not exist"));

  PolicyStore optional((dir.path() / "missing.toml").string(), false);
  REQUIRE(optional.reload());
  auto base = optional.base_policy();
  REQUIRE(base);
  CHECK(find_rule(*base, "openai-api-key"));
  CHECK((base->sources() == std::vector<std::string>{"<built-in policy>"}));
}

TEST_CASE("policy store: for_repository layers refguard.toml and the committed .refguard.toml", "[policy_layers]") {
  Store s(kCorpRule);
  std::string git_dir = s.git_dir();
  s.dir.write("repo.git/refguard.toml", "[[rule]]\nid = \"corp-token\"\naction = \"warn\"\n");
  auto load = s.store->for_repository(git_dir, kRepoRule);
  CHECK(load.warnings.empty());
  REQUIRE(load.policy);
  CHECK(find_rule(*load.policy, "corp-token")->spec.action == Action::kWarn);
  CHECK(find_rule(*load.policy, "repo-token"));
  const auto& sources = load.policy->sources();
  REQUIRE(sources.size() == 4);
  CHECK(sources[2] == git_dir + "/refguard.toml");
  CHECK(sources[3] == ".refguard.toml (default branch)");

  auto without = s.store->for_repository(git_dir, std::nullopt);
  CHECK(without.warnings.empty());
  CHECK_FALSE(find_rule(*without.policy, "repo-token"));
}

TEST_CASE("policy store: an invalid committed policy is refused and the previous good one kept", "[policy_layers]") {
  Store s("");
  std::string git_dir = s.git_dir();

  SECTION("with no previous good version it is ignored") {
    auto load = s.store->for_repository(git_dir, "[[rule]]\nid = \"x\"\naction = \"loud\"\n");
    REQUIRE(load.warnings.size() == 1);
    CHECK_THAT(load.warnings[0], Catch::Contains("repository policy .refguard.toml (default branch) is invalid and was refused") &&
                                     Catch::Contains("rule 'x'.action") && Catch::Contains("it is ignored"));
    REQUIRE(load.policy);
    CHECK(load.policy->digest() == s.store->base_policy()->digest());
  }

  SECTION("after a good version, that version stays in force") {
    auto good = s.store->for_repository(git_dir, kRepoRule);
    REQUIRE(good.warnings.empty());
    REQUIRE(find_rule(*good.policy, "repo-token"));

    auto bad = s.store->for_repository(git_dir, "[[rule]]\nid = \"openai-api-key\"\naction = \"loud\"\n");
    REQUIRE(bad.warnings.size() == 1);
    CHECK_THAT(bad.warnings[0], Catch::Contains("the last valid version stays in force"));
    REQUIRE(bad.policy);
    CHECK(find_rule(*bad.policy, "repo-token"));
    CHECK(find_rule(*bad.policy, "openai-api-key")->spec.action == Action::kBlock);
    CHECK(bad.policy->digest() == good.policy->digest());

    // The memory is per repository: another repository gets no fallback.
    auto other = s.store->for_repository(git_dir + "-other", "[[rule]]\nid = \"x\"\naction = \"loud\"\n");
    REQUIRE(other.warnings.size() == 1);
    CHECK_THAT(other.warnings[0], Catch::Contains("it is ignored"));
    CHECK_FALSE(find_rule(*other.policy, "repo-token"));
  }

  SECTION("a locked rule weakened by the repository file is refused the same way") {
    Store locked("locked = [\"openai-api-key\"]\n");
    std::string dir = locked.git_dir();
    locked.dir.write("repo.git/refguard.toml", "[[rule]]\nid = \"openai-api-key\"\naction = \"off\"\n");
    auto load = locked.store->for_repository(dir, std::nullopt);
    REQUIRE(load.warnings.size() == 1);
    CHECK_THAT(load.warnings[0], Catch::Contains(dir + "/refguard.toml is invalid") && Catch::Contains("is locked by"));
    CHECK(find_rule(*load.policy, "openai-api-key")->spec.action == Action::kBlock);
  }
}

TEST_CASE("policy store: equal layer texts share one compiled policy", "[policy_layers]") {
  Store s(kCorpRule);
  auto first = s.store->check_repository_layer(kRepoRule, "repo.toml");
  auto second = s.store->check_repository_layer(kRepoRule, "repo.toml");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->get() == second->get());
  CHECK(s.store->base_policy().get() == s.store->base_policy().get());
}

// The lock comes from the system file; the message must name it, not where the rule was defined.
TEST_CASE("policy layers: the lock error names the file that locked the rule", "[policy_layers]") {
  Store s("locked = [\"openai-api-key\"]\n");
  std::string error = repository_error(*s.store, "[[rule]]\nid = \"openai-api-key\"\naction = \"warn\"\n");
  CHECK_THAT(error, Catch::Contains("is locked by " + s.system_path));
}

// A repository's own bypass list (a committed .refguard.toml included) must
// never reach a rule the system locked; the system's bypass list does.
TEST_CASE("policy layers: a repository's bypass users cannot bypass a locked rule", "[policy_layers]") {
  Store s("locked = [\"openai-api-key\"]\n[settings]\nbypass_users = [\"sec-lead\"]\n");
  auto policy = s.store->check_repository_layer("[settings]\nbypass_users = [\"mallory\"]\n", "repo.toml");
  REQUIRE(policy);
  REQUIRE(find_rule(**policy, "openai-api-key")->spec.locked);
  CHECK_FALSE(refguard::engine::may_bypass(**policy, "mallory", "openai-api-key"));
  CHECK(refguard::engine::may_bypass(**policy, "mallory", "anthropic-api-key"));
  CHECK(refguard::engine::may_bypass(**policy, "sec-lead", "openai-api-key"));
}

// Detector parameter errors name the line of the key (the parsed document stays alive).
TEST_CASE("policy layers: detector parameter errors name the line of the key", "[policy_layers]") {
  Store s("");
  const std::string head = "[[rule]]\nid = \"bad-rule\"\n[rule.detector]\ntype = \"regex\"\n";
  CHECK_THAT(repository_error(*s.store, head + "pattern = '''(unclosed'''\n"),
             Catch::Contains("repo.toml:5: rule 'bad-rule': detector.pattern"));
  CHECK_THAT(repository_error(*s.store, head + "pattern = 'x'\nfoo = 1\n"),
             Catch::Contains("repo.toml:6: rule 'bad-rule': detector.foo: unknown key"));
  CHECK_THAT(repository_error(*s.store, "[[rule]]\nid = \"bad-rule\"\n[rule.detector]\ntype = \"telepathy\"\n"),
             Catch::Contains("repo.toml:3: rule 'bad-rule': detector.type: unknown detector"));
}
