// The scan's use of commits judged before (engine/push_scan.h): a commit
// whose files were not read is judged from its earlier judgement, and a
// commit that was neither read nor judged fails the check, never passes it.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "engine/commit_findings_cache.h"
#include "engine/push_scan.h"
#include "engine/scan_cache.h"
#include "git/object_reader.h"
#include "git/repository_cache.h"
#include "object_ids.h"
#include "policy_builder.h"
#include "temp_repo.h"
#include "util/work_pool.h"

namespace {

using namespace refguard;

const std::string& kPolicy = testing::kDemoKeyRule;

// One commit of `repo`, as the push reader gives it when the commit was
// judged before under the policy in force: its files unread.
git::PushContent judged_push(const std::string& commit_hex) {
  auto record = std::make_shared<git::CommitRecord>();
  record->summary = "judged elsewhere";
  record->files_read = false;
  git::PushContent content;
  content.commits.push_back(git::CommitInfo{*git::ObjectId::from_hex(commit_hex), "refs/heads/main", record});
  return content;
}

}  // namespace

TEST_CASE("push scan: a commit not read takes its earlier judgement, or fails the check", "[push_scan]") {
  test::TempRepo repo;
  std::string commit = repo.commit({{"app.py", "KEY = 'demo_Ab3dEf6hIj9kLm2nOp5qRs8t'\n"}}, "add a key");
  auto opened = git::open_repository(repo.path());
  REQUIRE(opened);
  auto policy = testing::compile_policy(kPolicy);
  git::ObjectReader objects((*opened)->repository.get(), 1u << 30);
  git::UnreadChanges unread((*opened)->repository.get(), false, nullptr, {});
  engine::ScanCache cache;
  WorkPool pool(2);
  auto sink = [](ipc::LineKind, const std::string&) {};
  auto deadline = std::chrono::steady_clock::time_point::max();
  git::PushContent content = judged_push(commit);

  SECTION("judged: its findings, with no file read") {
    engine::BlobFinding key;
    key.rule = 0;
    key.line = 1;
    key.masked = "demo_A…8t";
    engine::JudgedCommits judged;
    judged.emplace(content.commits[0].id, std::make_shared<const engine::CommitJudgement>(
                                              engine::CommitJudgement{{}, 1, {{"app.py", key}}}));
    auto outcome = engine::scan_push_content(*policy, {}, content, unread, objects, cache, pool, deadline, sink, {}, nullptr,
                                             &judged);
    REQUIRE(outcome);
    REQUIRE(outcome->findings.size() == 1);
    CHECK(outcome->findings[0].rule_id == "demo-key");
    CHECK(outcome->findings[0].path == "app.py");
    CHECK(outcome->findings[0].commit_subject == "judged elsewhere");
    CHECK(outcome->files == 1);
    CHECK(outcome->cache_hits == 1);
    CHECK(objects.bytes_read() == 0);
  }

  SECTION("neither read nor judged: an error, not a clean verdict") {
    engine::CommitFindingsCache empty;
    auto outcome = engine::scan_push_content(*policy, {}, content, unread, objects, cache, pool, deadline, sink, {}, &empty);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().message.find("was not read and has no earlier judgement") != std::string::npos);
  }
}
