// The push pipeline's decisions, driven through PushPipeline against real
// repositories (no daemon, no hook): what is blocked, by which step, what the
// pusher reads, and which effects follow.
#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/audit_log.h"
#include "engine/pending_notes.h"
#include "engine/push_pipeline.h"
#include "temp_repo.h"

using namespace refguard;
using test::TempDir;
using test::TempRepo;

namespace {

const std::string kZero(40, '0');
// Made up, in the real format (random-looking: the rule checks entropy).
const std::string kKey = "sk-proj-U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8DklZDOCj2ISaJiHkTj0rLGlkoMXGjtEkDnNfrib"
                         "T3BlbkFJOX9YIMtCFIPzgNZpBdfdYfkM51ZFfOwBsRhae56YuHqQG0EYn1YGqDVPsFf5ph5NlzJmEi8Cfs";

struct Line {
  ipc::LineKind kind;
  std::string text;
};

// A work repository, a bare "server" repository and the engine's services
// under a system policy written for the test.
// Adds time_budget_ms = 60000 to a policy's [settings] (or a new one).
std::string with_generous_budget(std::string policy) {
  const std::string setting = "time_budget_ms = 60000\n";
  if (policy.find("time_budget_ms") != std::string::npos) return policy;
  if (auto at = policy.find("[settings]\n"); at != std::string::npos)
    return policy.insert(at + std::string("[settings]\n").size(), setting);
  return policy + "[settings]\n" + setting;
}

struct Fixture {
  TempDir dir;
  TempRepo work;
  TempRepo server{TempRepo::Kind::kBare};
  std::string policy_path;
  std::unique_ptr<engine::PolicyStore> policies;
  git::RepositoryCache repositories{4};
  engine::ScanCache cache;
  WorkPool pool{2};
  std::unique_ptr<engine::PushPipeline> pipeline;
  std::vector<Line> lines;

  // The time budget is not what these tests check: a pushed policy is compiled
  // within it, which takes seconds under sanitizers on a loaded machine.
  explicit Fixture(const std::string& policy = "version = 1\n") {
    policy_path = dir.write("policy.toml", with_generous_budget(policy));
    policies = std::make_unique<engine::PolicyStore>(policy_path, true);
    auto loaded = policies->reload();
    INFO((loaded ? std::string() : loaded.error().message));
    REQUIRE(loaded);
    pipeline = std::make_unique<engine::PushPipeline>(repositories, *policies, cache, pool);
  }

  // Publishes the work repository's main as the server's existing history.
  std::string publish() {
    server.fetch_ref(work, "refs/heads/main");
    return work.head();
  }

  // Pushes `ref` of the work repository as `old`..tip (objects land first, as
  // a quarantine would hold them; the ref does not move).
  engine::CheckResult push(const std::string& ref, const std::string& old_id, const std::string& new_id,
                           const std::string& pusher = "", const std::vector<std::string>& options = {},
                           const engine::PushEffects& effects = {}) {
    if (new_id != kZero) server.receive_objects(work, new_id);
    ipc::Request request;
    request.command = "pre-receive";
    request.repo_path = server.path();
    request.pusher = pusher;
    request.pusher_source = pusher.empty() ? "" : "REMOTE_USER";
    request.push_options = options;
    request.updates.push_back({old_id, new_id, ref});
    lines.clear();
    return pipeline->check_push(request, [this](ipc::LineKind kind, const std::string& text) {
      lines.push_back({kind, text});
    }, effects);
  }

  bool said(const std::string& part) const {
    for (const auto& line : lines)
      if (line.text.find(part) != std::string::npos) return true;
    return false;
  }
  std::string transcript() const {
    std::string text;
    for (const auto& line : lines) text += line.text + "\n";
    return text;
  }
};

}  // namespace

TEST_CASE("pipeline: a key in a new commit rejects, names the commit, and the verdict line comes last", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"client.py", "import openai\nKEY = \"" + kKey + "\"\n"}}, "Add client");
  auto result = f.push("refs/heads/main", base, tip);
  INFO(f.transcript());
  CHECK_FALSE(result.accepted());
  CHECK(result.error.empty());
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].rule_id == "openai-api-key");
  CHECK(result.findings[0].commit_id.hex() == tip);
  CHECK(result.findings[0].path == "client.py");
  CHECK(result.findings[0].line == 2);
  CHECK(result.commits == 1);
  REQUIRE_FALSE(f.lines.empty());
  CHECK(f.lines.back().text.find("push REJECTED: 1 commit, 1 file") != std::string::npos);
  CHECK_FALSE(f.said(kKey));  // masked, never whole
}

TEST_CASE("pipeline: only a bypass user with a reason pushes past a block; the result says so", "[pipeline]") {
  Fixture f("version = 1\n[settings]\nbypass_users = [\"alice\"]\n");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"a.py", "import openai\nKEY = \"" + kKey + "\"\n"}}, "key");
  auto bob = f.push("refs/heads/main", base, tip, "bob", {"refguard.bypass=urgent"});
  CHECK_FALSE(bob.accepted());
  CHECK(bob.bypassed == 0);
  auto alice = f.push("refs/heads/main", base, tip, "alice", {"refguard.bypass=rotated, INC-1"});
  INFO(f.transcript());
  CHECK(alice.accepted());
  CHECK(alice.bypassed == 1);
  CHECK(alice.bypass_reason == "rotated, INC-1");
  REQUIRE(alice.findings.size() == 1);
  CHECK(alice.findings[0].bypassed);
}

TEST_CASE("pipeline: ref rules forbid deleting and force-pushing protected refs", "[pipeline]") {
  Fixture f("version = 1\n[[ref_rule]]\nrefs = [\"refs/heads/main\"]\nforbid = [\"force-push\", \"delete\"]\n"
            "message = \"ask a maintainer\"\n");
  f.work.commit({{"README.md", "one\n"}}, "one");
  std::string first = f.work.commit({{"README.md", "two\n"}}, "two");
  f.publish();
  auto deleting = f.push("refs/heads/main", first, kZero);
  CHECK_FALSE(deleting.accepted());
  REQUIRE(deleting.rule_violations.size() == 1);
  CHECK(deleting.rule_violations[0].find("deleting refs/heads/main is forbidden") != std::string::npos);
  CHECK(f.said("ask a maintainer"));

  f.work.git("reset -q --hard HEAD~1");
  std::string rewritten = f.work.commit({{"README.md", "other\n"}}, "rewritten");
  auto forced = f.push("refs/heads/main", first, rewritten);
  CHECK_FALSE(forced.accepted());
  REQUIRE(forced.rule_violations.size() == 1);
  CHECK(forced.rule_violations[0].find("force-pushing refs/heads/main") != std::string::npos);
  REQUIRE(forced.updates.size() == 1);
  CHECK(forced.updates[0].forced);

  f.work.git("checkout -q -b topic");
  std::string topic = f.work.commit({{"x.txt", "x\n"}}, "topic");
  auto elsewhere = f.push("refs/heads/topic", kZero, topic);
  CHECK(elsewhere.accepted());
  CHECK(elsewhere.rule_violations.empty());
}

TEST_CASE("pipeline: only policy editors change the committed policy, and only to one that loads", "[pipeline]") {
  Fixture f("version = 1\n[settings]\npolicy_editors = [\"carol\"]\n");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string valid = f.work.commit({{".refguard.toml", "version = 1\n"}}, "policy");
  auto dave = f.push("refs/heads/main", base, valid, "dave");
  CHECK_FALSE(dave.accepted());
  REQUIRE(dave.rule_violations.size() == 1);
  CHECK(dave.rule_violations[0].find("dave may not change .refguard.toml") != std::string::npos);
  CHECK(f.push("refs/heads/main", base, valid, "carol").accepted());

  std::string broken = f.work.commit({{".refguard.toml", "version = 1\n[[rule]]\nbogus_key = 1\n"}}, "broken");
  auto carol = f.push("refs/heads/main", base, broken, "carol");
  CHECK_FALSE(carol.accepted());
  REQUIRE_FALSE(carol.rule_violations.empty());
  CHECK(carol.rule_violations[0].find("the pushed policy is invalid") != std::string::npos);
}

TEST_CASE("pipeline: a second push of judged commits takes their findings from the caches", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  f.work.commit({{"a.py", "import openai\nKEY = \"" + kKey + "\"\n"}}, "key");
  std::string tip = f.work.commit({{"b.txt", "b\n"}}, "more");
  auto first = f.push("refs/heads/main", base, tip);
  auto again = f.push("refs/heads/other", base, tip);
  CHECK(first.commits_known == 0);
  CHECK(again.commits_known == 2);
  CHECK(again.cache_hits == again.files);
  REQUIRE(first.findings.size() == 1);
  REQUIRE(again.findings.size() == 1);
  CHECK(again.findings[0].id == first.findings[0].id);
  CHECK(again.findings[0].ref == "refs/heads/other");
}

TEST_CASE("pipeline: a key in an annotated tag's message is found on the tag", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  f.publish();
  std::string tag = f.work.tag("v1", "release notes\nKEY=" + kKey + "\n");
  auto result = f.push("refs/tags/v1", kZero, tag);
  CHECK_FALSE(result.accepted());
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].path == "refs/tags/v1 (tag message)");
  CHECK(result.findings[0].commit_id.hex() == tag);
}

TEST_CASE("pipeline: a repository outside the served roots is rejected with the reason", "[pipeline]") {
  Fixture f;
  TempDir other_root;
  engine::PushPipeline restricted(f.repositories, *f.policies, f.cache, f.pool,
                                  engine::PipelineOptions{{other_root.str()}});
  ipc::Request request;
  request.command = "pre-receive";
  request.repo_path = f.server.path();
  std::vector<Line> lines;
  auto result = restricted.check_push(request, [&](ipc::LineKind kind, const std::string& text) {
    lines.push_back({kind, text});
  });
  CHECK_FALSE(result.accepted());
  CHECK(result.error.find("outside the roots") != std::string::npos);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back().text.find("push REJECTED") != std::string::npos);
}

TEST_CASE("pipeline: effects append the audit record and keep an accepted push's warnings for notes", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"train.py", "import torch\nmodel = torch.load(\"m.pt\")\n"}}, "load");
  engine::AuditLog audit((f.dir.path() / "audit.jsonl").string());
  engine::PendingNotes notes;
  engine::PushEffects effects;
  effects.audit = &audit;
  effects.notes = &notes;
  size_t recorded = 0;
  effects.record_statistics = [&](const engine::CheckResult&) { ++recorded; };
  auto result = f.push("refs/heads/main", base, tip, "alice", {}, effects);
  INFO(f.transcript());
  CHECK(result.accepted());
  REQUIRE_FALSE(result.findings.empty());
  CHECK(recorded == 1);
  CHECK(notes.size() == 1);
  std::ifstream in(audit.path());
  std::string line;
  REQUIRE(std::getline(in, line));
  auto record = nlohmann::json::parse(line);
  CHECK(record["verdict"] == "accept");
  CHECK(record["pusher"] == "alice");
  CHECK(record["pusher_source"] == "REMOTE_USER");
  CHECK(record["refs"][0]["new"] == tip);
  CHECK(record["findings"][0]["commit"] == tip);
  CHECK(record["findings"][0]["severity"] == "warn");
  CHECK(record["commits"] == 1);
}

TEST_CASE("pipeline: check_range scans an offline history with the same engine", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string keyed = f.work.commit({{"a.py", "import openai\nKEY = \"" + kKey + "\"\n"}}, "key");
  f.work.commit({{"a.py", "KEY = os.environ['KEY']\n"}}, "fix");
  engine::PushPipeline offline(f.repositories, *f.policies, f.cache, f.pool,
                               engine::PipelineOptions{{}, {}, false, false});
  auto result = offline.check_range(f.work.path(), "", [](ipc::LineKind, const std::string&) {});
  CHECK(result.error.empty());
  CHECK(result.commits == 3);
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].commit_id.hex() == keyed);
  CHECK_FALSE(result.accepted());
}

// Issue 15, item 3: the committed policy changed by a fast-forward of the
// default branch onto commits pushed to a side branch before (0 new commits).
TEST_CASE("pipeline: a fast-forward that changes the committed policy needs a policy editor", "[pipeline]") {
  Fixture f("version = 1\n[settings]\npolicy_editors = [\"carol\"]\n");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  f.work.git("checkout -q -b side");
  std::string weakened = f.work.commit({{".refguard.toml", "version = 1\n"}}, "weaken the policy");
  auto side = f.push("refs/heads/side", kZero, weakened, "dave");
  CHECK(side.accepted());  // a side branch's policy file is no policy
  f.server.git("update-ref refs/heads/side " + weakened);  // the push landed

  auto fast_forward = f.push("refs/heads/main", base, weakened, "dave");
  INFO(f.transcript());
  CHECK(fast_forward.commits == 0);
  CHECK_FALSE(fast_forward.accepted());
  REQUIRE(fast_forward.rule_violations.size() == 1);
  CHECK(fast_forward.rule_violations[0].find("dave may not change .refguard.toml on refs/heads/main") !=
        std::string::npos);
  CHECK(f.push("refs/heads/main", base, weakened, "carol").accepted());

  // The ignore file is guarded the same way.
  std::string ignoring = f.work.commit({{".refguardignore", "0badc0de\n"}}, "ignore a finding");
  auto ignore = f.push("refs/heads/main", weakened, ignoring, "dave");
  CHECK_FALSE(ignore.accepted());
  REQUIRE(ignore.rule_violations.size() == 1);
  CHECK(ignore.rule_violations[0].find("dave may not change .refguardignore") != std::string::npos);
}

// Issue 15, item 5: commit messages are scanned with the same rules.
TEST_CASE("pipeline: a key in a commit message is found, on that commit, and remembered", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"notes.txt", "nothing here\n"}}, "Debug openai\n\nOPENAI_API_KEY=" + kKey + "\n");
  auto result = f.push("refs/heads/main", base, tip);
  INFO(f.transcript());
  CHECK_FALSE(result.accepted());
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].path == "(commit message)");
  CHECK(result.findings[0].rule_id == "openai-api-key");
  CHECK(result.findings[0].commit_id.hex() == tip);
  CHECK_FALSE(f.said(kKey));
  auto again = f.push("refs/heads/retry", base, tip);
  CHECK(again.commits_known == 1);
  REQUIRE(again.findings.size() == 1);
  CHECK(again.findings[0].path == "(commit message)");
  // A one-line message (kept as its summary only) is scanned just the same.
  std::string one_line = f.work.commit({{"more.txt", "still nothing\n"}}, "OPENAI_API_KEY=" + kKey);
  auto short_message = f.push("refs/heads/one-line", tip, one_line);
  CHECK(std::any_of(short_message.findings.begin(), short_message.findings.end(), [&](const auto& finding) {
    return finding.commit_id.hex() == one_line && finding.path == "(commit message)" &&
           finding.rule_id == "openai-api-key";
  }));
}

// Issue 15, item 10: out of the box a committed .refguard.toml may only
// tighten; with policy editors named, editors may also loosen.
TEST_CASE("pipeline: without policy editors a committed policy may tighten rules, not loosen them", "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string off = f.work.commit({{".refguard.toml", "version = 1\n[[rule]]\nid = \"openai-api-key\"\naction = \"off\"\n"}},
                                  "turn the OpenAI rule off");
  auto loosening = f.push("refs/heads/main", base, off, "dave");
  INFO(f.transcript());
  CHECK_FALSE(loosening.accepted());
  REQUIRE_FALSE(loosening.rule_violations.empty());
  CHECK(loosening.rule_violations[0].find("may only be tightened") != std::string::npos);

  f.work.git("reset -q --hard " + base);
  std::string tighter = f.work.commit(
      {{".refguard.toml", "version = 1\n[[rule]]\nid = \"torch-load-without-weights-only\"\naction = \"block\"\n"
                          "[[rule]]\nid = \"no-todo\"\ndescription = \"No TODO\"\n"
                          "[rule.detector]\ntype = \"regex\"\npattern = 'TODO'\n"}},
      "stricter");
  auto tightening = f.push("refs/heads/main", base, tighter, "dave");
  INFO(f.transcript());
  CHECK(tightening.accepted());
}

TEST_CASE("pipeline: with policy editors named, an editor's committed policy may loosen a rule", "[pipeline]") {
  Fixture f("version = 1\n[settings]\npolicy_editors = [\"carol\"]\n");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string off = f.work.commit({{".refguard.toml", "version = 1\n[[rule]]\nid = \"openai-api-key\"\naction = \"off\"\n"}},
                                  "turn the OpenAI rule off");
  auto carol = f.push("refs/heads/main", base, off, "carol");
  INFO(f.transcript());
  CHECK(carol.accepted());
}

// Issue 15, item 11: a bypass needs a durable audit record before it lands.
TEST_CASE("pipeline: a bypass is refused when its audit record cannot be written", "[pipeline]") {
  Fixture f("version = 1\n[settings]\nbypass_users = [\"alice\"]\n");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"a.py", "import openai\nKEY = \"" + kKey + "\"\n"}}, "key");
  engine::AuditLog unwritable((f.dir.path() / "no-such-dir" / "audit.jsonl").string());
  engine::PushEffects effects;
  effects.audit = &unwritable;
  auto refused = f.push("refs/heads/main", base, tip, "alice", {"refguard.bypass=rotated, INC-1"}, effects);
  INFO(f.transcript());
  CHECK_FALSE(refused.accepted());
  CHECK(f.said("bypass refused: the audit log cannot be written"));
  CHECK(f.said("push REJECTED"));

  engine::AuditLog writable((f.dir.path() / "audit.jsonl").string());
  effects.audit = &writable;
  auto landed = f.push("refs/heads/main", base, tip, "alice", {"refguard.bypass=rotated, INC-1"}, effects);
  CHECK(landed.accepted());
  CHECK(landed.audited);
  std::ifstream in(writable.path());
  std::string line;
  size_t records = 0;
  while (std::getline(in, line)) ++records;
  CHECK(records == 1);  // written once, before the verdict, not again after it
}

// Issue 15, item 2: an inline allow silences only the rules it names, never a
// locked one, and what it silences is on the audit record.
TEST_CASE("pipeline: refguard:allow silences a bypassable rule, never a locked one, and is audited", "[pipeline]") {
  Fixture f(R"(version = 1
locked = ["openai-api-key"]
[[rule]]
id = "demo-token"
[rule.detector]
type = "regex"
pattern = '''demo_tok_[a-z0-9]{16}'''
)");
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  const std::string token = "demo_tok_0a1b2c3d4e5f6a7b";
  std::string tip = f.work.commit(
      {{"a.py", "import openai\nKEY = \"" + kKey + "\"  # refguard:allow\nT = \"" + token +
                    "\"  # refguard:allow demo-token\nU = \"" + token + "\"  # refguard:allow openai-api-key\n"}},
      "keys");
  engine::AuditLog audit((f.dir.path() / "audit.jsonl").string());
  engine::PushEffects effects;
  effects.audit = &audit;
  auto result = f.push("refs/heads/main", base, tip, "bob", {}, effects);
  INFO(f.transcript());
  CHECK_FALSE(result.accepted());
  std::vector<std::pair<std::string, uint32_t>> kept, silenced;
  for (const auto& finding : result.findings) kept.emplace_back(finding.rule_id, finding.line);
  for (const auto& finding : result.silenced_inline) silenced.emplace_back(finding.rule_id, finding.line);
  CHECK(kept == std::vector<std::pair<std::string, uint32_t>>{{"openai-api-key", 2}, {"demo-token", 4}});
  CHECK(silenced == std::vector<std::pair<std::string, uint32_t>>{{"demo-token", 3}});
  CHECK(f.said("refguard:allow ignored: rule 'openai-api-key' is locked by the system policy (at a.py:2)"));
  CHECK(f.said("refguard:allow at a.py:4 does not name rule 'demo-token': it names 'openai-api-key',"));
  std::ifstream in(audit.path());
  std::string line;
  REQUIRE(std::getline(in, line));
  auto record = nlohmann::json::parse(line);
  REQUIRE(record["silenced_inline"].size() == 1);
  CHECK(record["silenced_inline"][0]["rule"] == "demo-token");
  CHECK(record["silenced_inline"][0]["path"] == "a.py");
  CHECK(record["silenced_inline"][0]["line"] == 3);
  CHECK(record["silenced_inline"][0]["commit"] == tip);
  CHECK(line.find(token) == std::string::npos);  // masked, never whole
}

// An inline allow is a bypass any pusher may write: like one, it lands only on record.
TEST_CASE("pipeline: refguard:allow of a blocking finding is refused when its audit record cannot be written",
          "[pipeline]") {
  Fixture f;
  f.work.commit({{"README.md", "hello\n"}}, "initial");
  std::string base = f.publish();
  std::string tip = f.work.commit({{"a.py", "import openai\nKEY = \"" + kKey + "\"  # refguard:allow\n"}}, "key");
  engine::AuditLog unwritable((f.dir.path() / "no-such-dir" / "audit.jsonl").string());
  engine::PushEffects effects;
  effects.audit = &unwritable;
  auto refused = f.push("refs/heads/main", base, tip, "bob", {}, effects);
  INFO(f.transcript());
  CHECK_FALSE(refused.accepted());
  CHECK(f.said("refguard:allow refused: the audit log cannot be written"));
  auto landed = f.push("refs/heads/main", base, tip, "bob");  // no audit log configured: nothing to refuse
  CHECK(landed.accepted());
  CHECK(landed.silenced_inline.size() == 1);
}

// Issue 15, item 6: content that reaches a path a rule looks at, from one it
// did not (its allowlist exempts fixtures/), is new there.
TEST_CASE("pipeline: a key moved or copied out of an allowlisted path is new; moved where the rule looked, it is not",
          "[pipeline]") {
  Fixture f(R"(version = 1
[[rule]]
id = "openai-api-key"
[rule.allowlist]
paths = ["fixtures/**"]
)");
  const std::string fixture = "import openai\nKEY = \"" + kKey + "\"\nother = 1\n";
  f.work.commit({{"fixtures/keys.py", fixture}, {"lib/old.py", "import openai\nOLD_KEY = \"" + kKey + "\"\n"}},
                "history before refguard");
  std::string base = f.publish();
  struct Route {
    const char* name;
    std::function<void(TempRepo&)> change;
  };
  const std::vector<Route> routes = {
      {"git mv", [](TempRepo& w) { w.move("fixtures/keys.py", "src/keys.py"); }},
      {"copy", [&](TempRepo& w) { w.write("src/keys.py", fixture); }},
      {"git mv and edit another line",
       [](TempRepo& w) {
         w.move("fixtures/keys.py", "src/keys.py");
         w.write("src/keys.py", "import openai\nKEY = \"" + kKey + "\"\nother = 2\n");
       }},
      {"copy of an edited file's old content",
       [&](TempRepo& w) {
         w.write("src/keys.py", fixture);
         w.write("fixtures/keys.py", "import openai\nKEY = \"" + kKey + "\"\nother = 3\n");
       }},
  };
  for (const auto& route : routes) {
    INFO(route.name);
    f.work.git("reset -q --hard " + base);
    route.change(f.work);
    std::string tip = f.work.commit({}, route.name);
    auto result = f.push("refs/heads/main", base, tip);
    INFO(f.transcript());
    CHECK_FALSE(result.accepted());
    REQUIRE(result.findings.size() == 1);
    CHECK(result.findings[0].rule_id == "openai-api-key");
    CHECK(result.findings[0].path == "src/keys.py");
    CHECK(result.findings[0].line == 2);
  }
  // lib/ and app/ are both looked at: the move brings nothing new, and is not even scanned.
  f.work.git("reset -q --hard " + base);
  f.work.move("lib/old.py", "app/old.py");
  std::string tip = f.work.commit({}, "move lib/ to app/");
  auto moved = f.push("refs/heads/main", base, tip);
  INFO(f.transcript());
  CHECK(moved.accepted());
  CHECK(moved.findings.empty());
  CHECK(moved.files == 0);
}
