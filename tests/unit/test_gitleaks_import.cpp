// [import] gitleaks = "FILE": an admin's gitleaks rules become refguard rules;
// what cannot be mapped is refused with file:line and the construct's name.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "policy/gitleaks_import.h"
#include "policy/policy_layer.h"

using namespace refguard;

namespace {

namespace fs = std::filesystem;

// A gitleaks config in the format gitleaks documents (config/gitleaks.toml).
const std::string kGitleaks = R"(title = "acme secrets"

[extend]
useDefault = true

[[rules]]
id = "acme-api-key"
description = "ACME internal API key"
regex = '''(?i)\b(acme_[a-z0-9]{32})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]
tags = ["internal"]
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''#\s*test-fixture''']
[[rules.allowlists]]
stopwords = ["sample"]
paths = ['''^fixtures/''']

[[rules]]
id = "acme-keystore"
description = "ACME keystore file"
path = '''(?:^|/)acme\.jks$'''

[[rules]]
id = "acme-session"
regex = '''acmesess-[0-9a-f]{24}'''
[rules.allowlist]
commits = ["4f2a9c1e77"]
regexTarget = "match"
regexes = ['''acmesess-0{24}''']

[[allowlists]]
targetRules = ["acme-session"]
paths = ['''(?:^|/)vendor/''']
)";

struct TempFile {
  fs::path path;
  TempFile(const std::string& name, const std::string& text) {
    path = fs::temp_directory_path() / fs::path("refguard-gl-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};

std::shared_ptr<const engine::CompiledPolicy> import_policy(const std::string& gitleaks_path) {
  policy::PolicySpec spec;
  std::string text = "version = 1\n[import]\ngitleaks = \"" + gitleaks_path + "\"\n";
  auto applied = policy::apply_layer(spec, text, "/etc/refguard/policy.toml", policy::LayerKind::kSystem);
  INFO((applied ? std::string() : applied.error().message));
  REQUIRE(applied);
  auto compiled = engine::CompiledPolicy::compile(spec);
  INFO((compiled ? std::string() : compiled.error().message));
  REQUIRE(compiled);
  return *compiled;
}

std::vector<std::string> found(const engine::CompiledPolicy& policy, std::string_view path, const std::string& text) {
  std::vector<std::string> ids;
  for (const auto& f : engine::scan_blob(policy, path, "0123456789abcdef0123456789abcdef01234567", text, false))
    ids.push_back(policy.rules()[f.rule].spec.id);
  return ids;
}

bool has(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("gitleaks import: rules, secret groups, keywords, paths and allowlists map onto refguard rules", "[gitleaks]") {
  TempFile file("ok.toml", kGitleaks);
  auto policy = import_policy(file.path.string());
  const std::string key = "acme_q8z2k4m6n1p3r5t7v9x0b2d4f6h8j1l3";
  CHECK(has(found(*policy, "src/client.py", "API = \"" + key + "\"\n"), "gitleaks.acme-api-key"));
  CHECK(has(found(*policy, "src/client.py", "API = \"ACME_Q8Z2K4M6N1P3R5T7V9X0B2D4F6H8J1L3\"\n"), "gitleaks.acme-api-key"));
  // The line allowlist (regexTarget = "line"), the stopword and the path regex.
  CHECK_FALSE(has(found(*policy, "src/client.py", "API = \"" + key + "\"  # test-fixture\n"), "gitleaks.acme-api-key"));
  CHECK_FALSE(has(found(*policy, "src/client.py", "API = \"acme_sample0k4m6n1p3r5t7v9x0b2d4f6h8j\"\n"), "gitleaks.acme-api-key"));
  CHECK_FALSE(has(found(*policy, "fixtures/client.py", "API = \"" + key + "\"\n"), "gitleaks.acme-api-key"));
  // A path-only rule.
  CHECK(has(found(*policy, "deploy/acme.jks", "binary"), "gitleaks.acme-keystore"));
  CHECK_FALSE(has(found(*policy, "deploy/other.jks", "binary"), "gitleaks.acme-keystore"));
  // The whole match is the secret without secretGroup; a match allowlist and the global, targeted allowlist.
  CHECK(has(found(*policy, "a.txt", "s=acmesess-0123456789abcdef01234567\n"), "gitleaks.acme-session"));
  CHECK_FALSE(has(found(*policy, "a.txt", "s=acmesess-000000000000000000000000\n"), "gitleaks.acme-session"));
  CHECK_FALSE(has(found(*policy, "vendor/a.txt", "s=acmesess-0123456789abcdef01234567\n"), "gitleaks.acme-session"));
  CHECK(has(found(*policy, "vendor/client.py", "API = \"" + key + "\"\n"), "gitleaks.acme-api-key"));
  auto rule = std::find_if(policy->rules().begin(), policy->rules().end(),
                           [](const auto& r) { return r.spec.id == "gitleaks.acme-session"; });
  REQUIRE(rule != policy->rules().end());
  CHECK(rule->allowlist.allows_commit("4f2a9c1e77aa"));
}

TEST_CASE("gitleaks import: what cannot be mapped is refused with file:line and the construct", "[gitleaks]") {
  const std::string bad = R"(title = "bad"

[extend]
path = "/etc/gitleaks/base.toml"

[[rules]]
id = "lookahead"
regex = '''secret(?=[0-9]{8})'''

[[rules]]
id = "and-allowlist"
regex = '''tok_[a-z]{20}'''
[[rules.allowlists]]
condition = "AND"
regexes = ['''tok_test''']
paths = ['''^tests/''']

[[rules]]
id = "match-with-group"
regex = '''key=([a-z]{20})'''
secretGroup = 1
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''key=a''']

[[rules]]
id = "future"
regex = '''x_[a-z]{20}'''
validate = "http"
)";
  auto result = policy::import_gitleaks_text(bad, "/etc/refguard/gitleaks.toml");
  REQUIRE_FALSE(result);
  const std::string& message = result.error().message;
  INFO(message);
  CHECK(message.find("/etc/refguard/gitleaks.toml:4: extend.path") != std::string::npos);
  CHECK(message.find("/etc/refguard/gitleaks.toml:8: rules[0] 'lookahead'.regex: RE2") != std::string::npos);
  CHECK(message.find("/etc/refguard/gitleaks.toml:14: rules[1] 'and-allowlist'.allowlists[0].condition") != std::string::npos);
  CHECK(message.find(":23: rules[2] 'match-with-group'.allowlists[0].regexTarget") != std::string::npos);
  CHECK(message.find(":29: rules[3].validate") != std::string::npos);
}

TEST_CASE("gitleaks import: only the system policy may import, and a missing file is an error", "[gitleaks]") {
  policy::PolicySpec spec;
  auto from_repo = policy::apply_layer(spec, "version = 1\n[import]\ngitleaks = \"/etc/passwd\"\n", ".refguard.toml",
                                       policy::LayerKind::kRepository);
  REQUIRE_FALSE(from_repo);
  CHECK(from_repo.error().message.find(".refguard.toml:3: import.gitleaks: only the system policy") != std::string::npos);
  policy::PolicySpec spec2;
  auto missing = policy::apply_layer(spec2, "version = 1\n[import]\ngitleaks = \"/nonexistent/gitleaks.toml\"\n",
                                     "/etc/refguard/policy.toml", policy::LayerKind::kSystem);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot read the gitleaks config") != std::string::npos);
}
