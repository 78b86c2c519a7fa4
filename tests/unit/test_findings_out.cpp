// What becomes of findings outside the scan: their stable ids, the lines the
// pusher reads, the audit log, the git notes kept for post-receive, and the
// scan cache on disk.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/audit_log.h"
#include "engine/finding.h"
#include "engine/pending_notes.h"
#include "engine/report.h"
#include "engine/scan_cache_file.h"
#include "git/repository_cache.h"
#include "object_ids.h"
#include "temp_repo.h"
#include "util/stable_hash.h"

using namespace refguard;
using test::TempDir;
using test::TempRepo;

namespace {

engine::Finding finding(const std::string& rule, detect::Severity severity, const git::ObjectId& commit) {
  engine::Finding f;
  f.rule_id = rule;
  f.description = "A " + rule;
  f.remedy = "Remove it.";
  f.severity = severity;
  f.commit_id = commit;
  f.commit_subject = "Add it";
  f.ref = "refs/heads/main";
  f.path = "src/app.py";
  f.line = 3;
  f.masked = "sk-proj-…(164 chars)";
  f.id = "0badc0de";
  return f;
}

std::string text_of(const std::vector<engine::ReportLine>& lines) {
  std::string text;
  for (const auto& line : lines) text += line.text + "\n";
  return text;
}

}  // namespace

// Users type these ids into -o refguard.allow=; they must not change when
// (values computed independently: FNV-1a 64 with a 0xff byte after each field)
// the compiler, the standard library or refguard's version does.
TEST_CASE("finding ids are pinned: the same rule, path and secret give the same id forever", "[findings]") {
  engine::BlobFinding with_secret;
  with_secret.secret_hash = stable_hash("sk-proj-example-secret");
  CHECK(with_secret.secret_hash == 0x47a3182cdf3958d7ull);
  CHECK(engine::finding_id("openai-api-key", "src/client.py", with_secret) == "1417ad7c");
  engine::BlobFinding without_secret;
  without_secret.detail = "shell=True";
  without_secret.where = "cell 2";
  CHECK(engine::finding_id("subprocess-shell-true", "run.ipynb", without_secret) == "a6c4a895");
  CHECK(engine::finding_id("openai-api-key", "src/other.py", with_secret) !=
        engine::finding_id("openai-api-key", "src/client.py", with_secret));
}

TEST_CASE("report: a blocking finding shows rule, id, place, masked secret, commit and remedy", "[findings]") {
  std::vector<engine::Finding> findings = {finding("openai-api-key", detect::Severity::kBlock, test::numbered_id(0xabc))};
  std::string text = text_of(engine::format_findings({&findings, 10, true}));
  CHECK_THAT(text, Catch::Contains("refguard: BLOCKED [openai-api-key] (finding 0badc0de) A openai-api-key"));
  CHECK_THAT(text, Catch::Contains("at src/app.py:3  sk-proj-…(164 chars)"));
  CHECK_THAT(text, Catch::Contains("in commit 0000000000 \"Add it\" on refs/heads/main"));
  CHECK_THAT(text, Catch::Contains("fix: Remove it."));
  CHECK_THAT(text, Catch::Contains("To push again, remove the finding from the commit"));
}

TEST_CASE("report: past max_shown, the rest of a rule's locations are counted; no advice when accepted", "[findings]") {
  std::vector<engine::Finding> findings;
  for (int i = 0; i < 5; ++i) findings.push_back(finding("torch-load", detect::Severity::kWarn, test::numbered_id(1)));
  std::string text = text_of(engine::format_findings({&findings, 2, false}));
  CHECK_THAT(text, Catch::Contains("warning [torch-load] (5 findings)"));
  CHECK_THAT(text, Catch::Contains("... and 3 locations more"));
  CHECK_THAT(text, !Catch::Contains("To push again"));
}

TEST_CASE("audit log: records from two writers (as the daemon and an inline check) stay whole across rotation",
          "[findings]") {
  TempDir dir;
  std::string path = (dir.path() / "audit.jsonl").string();
  engine::AuditLog daemon(path, 4096, 50), inline_check(path, 4096, 50);
  auto write_many = [](engine::AuditLog& log, const std::string& who) {
    for (int i = 0; i < 200; ++i) REQUIRE(log.append({{"pusher", who}, {"n", i}, {"pad", std::string(100, 'x')}}));
  };
  std::thread first([&] { write_many(daemon, "daemon"); });
  std::thread second([&] { write_many(inline_check, "inline"); });
  first.join();
  second.join();
  std::set<std::pair<std::string, int>> seen;
  for (int generation = 0; generation <= 50; ++generation) {
    std::ifstream in(generation == 0 ? path : path + "." + std::to_string(generation));
    if (!in) continue;
    for (std::string line; std::getline(in, line);) {
      auto record = nlohmann::json::parse(line, nullptr, false);
      REQUIRE_FALSE(record.is_discarded());
      seen.emplace(record["pusher"], record["n"]);
    }
  }
  CHECK(seen.size() == 400);  // none lost, none torn
}

TEST_CASE("pending notes: an accepted push's warnings become notes once its commit has landed", "[findings]") {
  TempRepo work;
  TempRepo server(TempRepo::Kind::kBare);
  work.commit({{"a.txt", "a\n"}}, "first");
  std::string tip = work.commit({{"train.py", "torch.load('m')\n"}}, "second");
  auto repository = git::open_repository(server.path());
  REQUIRE(repository);
  std::string git_dir = (*repository)->path;

  engine::PendingNotes pending;
  auto warning = finding("torch-load", detect::Severity::kWarn, test::oid(tip));
  auto block = finding("openai-api-key", detect::Severity::kBlock, test::oid(tip));
  std::vector<git::RefUpdate> updates = {{git::ObjectId(), test::oid(tip), "refs/heads/main"}};
  pending.remember(git_dir, "refs/notes/refguard", updates, {warning, block});
  CHECK(pending.size() == 1);

  // Not landed yet: post-receive for another ref writes nothing.
  auto other = pending.write_landed(**repository, {{git::ObjectId(), test::oid(tip), "refs/heads/other"}});
  CHECK(other.notes == 0);

  server.fetch_ref(work, "refs/heads/main");
  auto written = pending.write_landed(**repository, updates);
  CHECK(written.problems.empty());
  CHECK(written.notes == 1);
  CHECK(pending.size() == 0);
  std::string note = server.git("notes --ref=refguard show " + tip);
  CHECK_THAT(note, Catch::Contains("refguard: warning [torch-load]"));
  CHECK_THAT(note, !Catch::Contains("openai-api-key"));  // a block that was not bypassed is no note
}

TEST_CASE("scan cache file: saved entries load back; a damaged file is refused whole", "[findings]") {
  TempDir dir;
  std::string path = (dir.path() / "scan-cache.bin").string();
  engine::ScanCache cache;
  engine::BlobFinding f;
  f.rule = 2;
  f.line = 9;
  f.masked = "ghp_…(40 chars)";
  f.secret_hash = 42;
  auto key = engine::ScanCache::key("digest", test::numbered_id(7), "a.py");
  cache.insert(key, std::make_shared<const std::vector<engine::BlobFinding>>(std::vector<engine::BlobFinding>{f}));
  cache.insert(engine::ScanCache::key("digest", test::numbered_id(8), "b.py"),
               std::make_shared<const std::vector<engine::BlobFinding>>());
  auto saved = engine::save_scan_cache(cache, path);
  REQUIRE(saved);
  CHECK(*saved == 2);

  engine::ScanCache loaded;
  auto count = engine::load_scan_cache(loaded, path);
  REQUIRE(count);
  CHECK(*count == 2);
  auto back = loaded.find(key);
  REQUIRE(back);
  REQUIRE(back->size() == 1);
  CHECK(back->front().line == 9);
  CHECK(back->front().masked == "ghp_…(40 chars)");
  CHECK(back->front().secret_hash == 42);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x55;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  engine::ScanCache refused;
  auto damaged = engine::load_scan_cache(refused, path);
  REQUIRE_FALSE(damaged);
  CHECK_THAT(damaged.error().message, Catch::Contains("checksum"));
  CHECK(refused.size() == 0);
}
