// A push is read, scanned and judged a window of commits at a time
// (engine/push_scan.h, ScanWindow; git/unread_changes.h), so that a whole
// history's files are never in memory at once. The windows must change
// nothing a pusher reads: the same findings, on the same commits and lines,
// the same counts and verdict, however small the windows are.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "engine/push_pipeline.h"
#include "engine/push_scan.h"
#include "git/push_reader.h"
#include "git/unread_changes.h"
#include "policy_builder.h"
#include "temp_repo.h"

using namespace refguard;
using test::TempDir;
using test::TempRepo;

namespace {

const std::string kPolicy = "version = 1\n[settings]\ntime_budget_ms = 600000\n" + testing::kDemoKeyRule;

std::string key(int n) {  // distinct keys, each matching the rule
  std::string digits = std::to_string(1000 + n);
  return "demo_Ab3dEf6hIj9kLm2nOp5q" + digits.substr(digits.size() - 4);
}

// A history with a finding of every kind a window boundary could lose: keys
// in files (added, edited, removed), in a commit message's body, past the
// kept part of a long one-line message, brought by a merge, and the same file
// version on two branches (one unit, met in two windows).
struct History {
  TempDir dir;
  TempRepo work;
  TempRepo server{TempRepo::Kind::kBare};
  std::string base, tip;

  History() {
    base = work.commit({{"README.md", "hello\n"}}, "initial");
    server.fetch_ref(work, "refs/heads/main");
    for (int i = 0; i < 12; ++i) {
      std::string file = "src/f" + std::to_string(i % 4) + ".py";
      std::string body = "x = " + std::to_string(i) + "\n";
      if (i % 3 == 0) body += "KEY = '" + key(i) + "'\n";
      work.commit({{file, body}, {"n.txt", std::to_string(i) + "\n"}}, "c" + std::to_string(i));
    }
    work.commit({{"notes.txt", "notes\n"}}, "a body\n\nthe token " + key(50) + " was pasted here\n");
    work.commit({{"long.txt", "l\n"}}, std::string(3000, 'a') + " " + key(51));
    work.branch("side", work.head());
    work.checkout("side");
    work.commit({{"shared.py", "S = '" + key(60) + "'\n"}}, "side: shared");
    work.commit({{"side.py", "T = '" + key(61) + "'\n"}}, "side: own");
    work.checkout("main");
    work.commit({{"shared.py", "S = '" + key(60) + "'\n"}}, "main: shared (same blob, same path)");
    work.merge("side", "merge side");
    work.commit({{"src/f1.py", "clean = True\n"}}, "remove a key");
    tip = work.head();
    server.receive_objects(work, tip);
  }
};

struct Checked {
  engine::CheckResult result;
  std::vector<std::tuple<std::string, std::string, std::string, uint32_t, std::string>> findings;
};

// `setting`: one more line for the system policy's [settings].
Checked check(History& h, const std::optional<engine::ScanWindow>& window, const std::string& setting = "") {
  TempDir dir;
  std::string policy = kPolicy;
  policy.insert(policy.find("[settings]\n") + std::string("[settings]\n").size(), setting);
  engine::PolicyStore policies(dir.write("policy.toml", policy), true);
  REQUIRE(policies.reload());
  git::RepositoryCache repositories(2);
  engine::ScanCache cache;  // a fresh one: nothing scanned before
  WorkPool pool(2);
  engine::PipelineOptions options;
  options.window = window;
  engine::PushPipeline pipeline(repositories, policies, cache, pool, options);
  ipc::Request request;
  request.command = "pre-receive";
  request.repo_path = h.server.path();
  request.updates.push_back({h.base, h.tip, "refs/heads/main"});
  Checked checked;
  checked.result = pipeline.check_push(request, [](ipc::LineKind, const std::string&) {});
  for (const auto& f : checked.result.findings)
    checked.findings.emplace_back(f.rule_id, f.commit_id.hex(), f.path, f.line, f.id);
  return checked;
}

// The push of a History read and scanned by the engine itself (no pipeline):
// its repository open and locked, the test policy loaded.
struct DirectScan {
  History& h;
  std::shared_ptr<git::CachedRepository> opened;
  TempDir dir;
  engine::PolicyStore policies;
  std::shared_ptr<const engine::CompiledPolicy> policy;
  std::unique_lock<std::mutex> lock;
  git_repository* repository;
  WorkPool pool{2};

  explicit DirectScan(History& history)
      : h(history),
        opened(open(h.server.path())),
        policies(dir.write("policy.toml", kPolicy), true),
        lock(opened->mutex),
        repository(opened->repository.get()) {
    REQUIRE(policies.reload());
    policy = policies.for_repository(h.server.path(), std::nullopt).policy;
  }

  static std::shared_ptr<git::CachedRepository> open(const std::string& path) {
    auto opened = git::open_repository(path);
    REQUIRE(opened);
    return *opened;
  }

  // What the walk gives the scan: every commit's spine, its files unread.
  git::PushContent read() {
    auto content = git::read_push(*opened, repository, "",
                                  {{*git::ObjectId::from_hex(h.base), *git::ObjectId::from_hex(h.tip), "refs/heads/main"}},
                                  {});
    REQUIRE(content);
    return std::move(*content);
  }
};

}  // namespace

TEST_CASE("scan windows: one commit (or one byte) at a time judges a push exactly as one window does",
          "[scan_windows]") {
  History h;
  Checked whole = check(h, std::nullopt);
  INFO(whole.result.error);
  REQUIRE(whole.result.error.empty());
  CHECK(whole.result.windows == 1);
  CHECK(whole.result.commits == 19);
  CHECK_FALSE(whole.result.accepted());
  // Keys in files (c0, c3, c6, c9), the message body, the long summary's
  // tail, the shared file on both branches (one finding per commit that
  // added it) and the side branch's own file; the clean merge adds none.
  CHECK(whole.findings.size() == 9);

  Checked per_commit = check(h, engine::ScanWindow{1, 32ull << 20});
  CHECK(per_commit.result.windows == 19);
  Checked per_byte = check(h, engine::ScanWindow{16384, 1});
  CHECK(per_byte.result.windows == 19);  // every commit fills a one-byte window
  for (const Checked* windowed : {&per_commit, &per_byte}) {
    CHECK(windowed->result.error.empty());
    CHECK(windowed->findings == whole.findings);
    CHECK(windowed->result.verdict == whole.result.verdict);
    CHECK(windowed->result.commits == whole.result.commits);
    // shared.py's one version, added on both branches, is one file in one
    // window; in two windows it counts in each, the second time served by
    // the scan cache (not scanned again).
    CHECK(windowed->result.files == whole.result.files + 1);
    CHECK(windowed->result.cache_hits == whole.result.cache_hits + 1);
  }
}

TEST_CASE("scan windows: the system policy's scan_window_mib sizes the windows", "[scan_windows]") {
  History h;
  // Two commits of 2,100 files each: over 1 MiB each at 512 bytes a file.
  for (int c = 0; c < 2; ++c) {
    std::map<std::string, std::string> files;
    for (int i = 0; i < 2100; ++i)
      files.emplace("bulk" + std::to_string(c) + "/f" + std::to_string(i) + ".txt", std::to_string(i) + "\n");
    h.work.commit(files, "bulk " + std::to_string(c));
  }
  h.tip = h.work.head();
  h.server.receive_objects(h.work, h.tip);
  Checked by_default = check(h, std::nullopt);
  REQUIRE(by_default.result.error.empty());
  CHECK(by_default.result.windows == 1);
  Checked one_mib = check(h, std::nullopt, "scan_window_mib = 1\n");
  REQUIRE(one_mib.result.error.empty());
  CHECK(one_mib.result.windows == 2);  // the first bulk commit fills the first window
  CHECK(one_mib.findings == by_default.findings);
  CHECK(one_mib.result.files == by_default.result.files);
}

TEST_CASE("scan windows: a summary is kept cut, and the whole one-line message is still scanned", "[scan_windows]") {
  History h;
  Checked whole = check(h, engine::ScanWindow{1, 32ull << 20});
  const engine::Finding* in_long = nullptr;
  for (const auto& f : whole.result.findings)
    if (f.path == engine::kCommitMessagePath && f.commit_subject.find("aaaa") == 0) in_long = &f;
  REQUIRE(in_long);  // the key sits past kMaxSummary: found in the message read with the commit's files
  CHECK(in_long->commit_subject.size() <= git::kMaxSummary);
  CHECK(in_long->commit_subject == std::string(git::kMaxSummary, 'a'));
}

TEST_CASE("scan windows: every window's files are let go, and the content limit holds for the whole push",
          "[scan_windows]") {
  History h;
  DirectScan direct(h);
  engine::ScanCache cache;
  auto sink = [](ipc::LineKind, const std::string&) {};
  auto deadline = std::chrono::steady_clock::time_point::max();

  git::PushContent content = direct.read();
  REQUIRE(content.unread.size() == content.commits.size());  // the walk read no files
  for (const auto& commit : content.commits) CHECK_FALSE(commit.changes->files_read);
  git::ObjectReader objects(direct.repository, 1u << 30);
  git::UnreadChanges unread(direct.repository, false, nullptr, {});
  auto outcome = engine::scan_push_content(*direct.policy, {1, 32ull << 20}, content, unread, objects, cache,
                                           direct.pool, deadline, sink);
  REQUIRE(outcome);
  CHECK(outcome->findings.size() == 9);
  for (const auto& commit : content.commits) {  // spines again: no window's files kept
    CHECK_FALSE(commit.changes->files_read);
    CHECK(commit.changes->files.empty());
    CHECK(commit.changes->message.empty());
  }

  // Each window alone is far under the limit; the push as a whole is not.
  // Everything is in the scan cache now: nothing is read, so only the
  // admission of every new blob, summed over the windows, can refuse it.
  uint64_t total = objects.bytes_read();
  REQUIRE(total > 100);
  git::PushContent again = direct.read();
  git::ObjectReader limited(direct.repository, total / 2);
  auto refused = engine::scan_push_content(*direct.policy, {1, 32ull << 20}, again, unread, limited, cache,
                                           direct.pool, deadline, sink);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("more than") != std::string::npos);
  CHECK(limited.bytes_read() == 0);
}

TEST_CASE("scan windows: a deadline passed counts every window's files as unscanned, never a pass", "[scan_windows]") {
  History h;
  DirectScan direct(h);
  git::PushContent content = direct.read();
  engine::ScanCache cache(0, 0);
  git::ObjectReader objects(direct.repository, 1u << 30);
  git::UnreadChanges unread(direct.repository, false, nullptr, {});
  auto outcome = engine::scan_push_content(*direct.policy, {1, 32ull << 20}, content, unread, objects, cache,
                                           direct.pool, std::chrono::steady_clock::now(),
                                           [](ipc::LineKind, const std::string&) {});
  REQUIRE(outcome);
  CHECK(outcome->windows == 19);
  CHECK(outcome->files == 30);  // every file of every window (shared.py twice: no cache keeps it)
  CHECK(outcome->unscanned == outcome->files);
  CHECK(outcome->first_unscanned == "n.txt");  // the first commit's first file, in tree order
  CHECK(objects.bytes_read() == 0);
  // Only commit messages, scanned with the commit, can have findings: files were not scanned.
  for (const auto& f : outcome->findings) CHECK(f.path == engine::kCommitMessagePath);
}
