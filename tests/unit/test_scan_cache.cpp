#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/commit_findings_cache.h"
#include "engine/scan_cache.h"
#include "object_ids.h"

using refguard::engine::BlobFinding;
using refguard::engine::ScanCache;

namespace {

ScanCache::Findings findings(size_t count, const std::string& masked = "sk-…(40 chars)") {
  std::vector<BlobFinding> out(count);
  for (size_t i = 0; i < count; ++i) {
    out[i].rule = static_cast<uint32_t>(i);
    out[i].line = static_cast<uint32_t>(i + 1);
    out[i].masked = masked;
  }
  return std::make_shared<const std::vector<BlobFinding>>(std::move(out));
}

std::string key(int n) { return ScanCache::key("digest", refguard::test::numbered_id(n), "src/file.py"); }

}  // namespace

TEST_CASE("scan cache key joins digest, blob id and path", "[scan_cache]") {
  auto b2 = refguard::test::numbered_id(0xb2);
  CHECK(ScanCache::key("d1", b2, "a/b.py") == "d1:00000000000000000000000000000000000000b2:a/b.py");
  CHECK(ScanCache::key("d1", b2, "a.py") != ScanCache::key("d2", b2, "a.py"));
  CHECK(ScanCache::key("d1", b2, "a.py") != ScanCache::key("d1", b2, "b.py"));
  CHECK(ScanCache::key("d1", b2, "a.py") != ScanCache::key("d1", refguard::test::numbered_id(0xb3), "a.py"));
}

TEST_CASE("scan cache returns what was inserted and counts hits and misses", "[scan_cache]") {
  ScanCache cache;
  CHECK(cache.find(key(1)) == nullptr);
  auto stored = findings(2);
  cache.insert(key(1), stored);
  auto found = cache.find(key(1));
  REQUIRE(found);
  CHECK(found == stored);
  CHECK(found->size() == 2);
  CHECK(cache.find(key(2)) == nullptr);
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 2);
  CHECK(cache.size() == 1);
}

TEST_CASE("scan cache never holds more entries than its bound and evicts the least recently used", "[scan_cache]") {
  ScanCache cache(3, 1u << 30);
  for (int i = 0; i < 3; ++i) cache.insert(key(i), findings(1));
  REQUIRE(cache.find(key(0)));  // 0 is now the most recent; 1 is the least
  cache.insert(key(3), findings(1));
  CHECK(cache.size() == 3);
  CHECK(cache.find(key(1)) == nullptr);
  CHECK(cache.find(key(0)) != nullptr);
  CHECK(cache.find(key(2)) != nullptr);
  CHECK(cache.find(key(3)) != nullptr);

  for (int i = 10; i < 100; ++i) {
    cache.insert(key(i), findings(1));
    REQUIRE(cache.size() <= 3);
  }
  CHECK(cache.find(key(97)));
  CHECK(cache.find(key(98)));
  CHECK(cache.find(key(99)));
  CHECK_FALSE(cache.find(key(96)));
}

TEST_CASE("scan cache stays within its byte bound", "[scan_cache]") {
  ScanCache probe;
  probe.insert(key(0), findings(4));
  const size_t one_entry = probe.bytes();
  REQUIRE(one_entry > 0);

  ScanCache cache(1000, one_entry * 3 + one_entry / 2);  // room for three entries
  for (int i = 0; i < 10; ++i) {
    cache.insert(key(i), findings(4));
    CHECK(cache.bytes() <= one_entry * 3 + one_entry / 2);
  }
  CHECK(cache.size() == 3);
  CHECK(cache.find(key(9)));
  CHECK(cache.find(key(7)));
  CHECK_FALSE(cache.find(key(6)));
}

TEST_CASE("scan cache drops an entry larger than the whole byte bound", "[scan_cache]") {
  ScanCache cache(1000, 200);
  cache.insert(key(1), findings(0));
  REQUIRE(cache.size() == 1);
  cache.insert(key(2), findings(50, std::string(100, 'm')));
  CHECK(cache.find(key(2)) == nullptr);
  CHECK(cache.bytes() <= 200);
}

// A key names content (policy digest, blob, path): two threads scanning the
// same unit insert equal findings, and the first insert is kept.
TEST_CASE("scan cache re-inserting a key keeps one entry without double counting", "[scan_cache]") {
  ScanCache cache;
  cache.insert(key(1), findings(1));
  size_t bytes_one = cache.bytes();
  cache.insert(key(1), findings(1));
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() == bytes_one);
  REQUIRE(cache.find(key(1)));
  CHECK(cache.find(key(1))->size() == 1);
}

TEST_CASE("scan cache snapshot lists entries most recent first", "[scan_cache]") {
  ScanCache cache;
  for (int i = 0; i < 4; ++i) cache.insert(key(i), findings(1));
  REQUIRE(cache.find(key(1)));
  auto snapshot = cache.snapshot();
  REQUIRE(snapshot.size() == 4);
  CHECK(snapshot[0].first == key(1));
  CHECK(snapshot[1].first == key(3));
  CHECK(snapshot[2].first == key(2));
  CHECK(snapshot[3].first == key(0));
}

TEST_CASE("scan cache stays bounded and consistent under concurrent use", "[scan_cache]") {
  ScanCache cache(64, 1u << 30);
  std::atomic<int> wrong{0};  // Catch2 assertions are not thread-safe: count, then check once
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        int n = (i * 7 + t * 13) % 200;
        if (auto found = cache.find(key(n))) {
          if (found->size() != static_cast<size_t>(n % 5)) ++wrong;
        } else {
          cache.insert(key(n), findings(static_cast<size_t>(n % 5)));
        }
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(cache.size() <= 64);
  CHECK(cache.hits() + cache.misses() == 8000);
  size_t bytes = cache.bytes();
  ScanCache rebuilt(1000, 1u << 30);
  for (const auto& [k, f] : cache.snapshot()) rebuilt.insert(k, f);
  CHECK(rebuilt.bytes() == bytes);
}

TEST_CASE("commit findings cache: keyed by policy and commit, LRU-bounded", "[scan_cache]") {
  using refguard::engine::CommitFinding;
  using refguard::engine::CommitFindingsCache;
  using refguard::engine::CommitJudgement;
  CommitFindingsCache cache(2);
  auto findings = [](const std::string& path) {
    CommitFinding f;
    f.path = path;
    f.finding.rule = 3;
    f.finding.line = 7;
    f.finding.masked = "sk-p…XYZ";
    return std::make_shared<const CommitJudgement>(CommitJudgement{{}, 4, {f}});
  };
  std::string a = CommitFindingsCache::key("digest1", refguard::test::oid(std::string(40, 'a')));
  std::string a_other_policy = CommitFindingsCache::key("digest2", refguard::test::oid(std::string(40, 'a')));
  cache.insert(a, findings("x.py"));
  REQUIRE(cache.find(a));
  CHECK(cache.find(a)->files == 4);
  CHECK(cache.find(a)->findings.front().path == "x.py");
  CHECK(cache.find(a)->findings.front().finding.line == 7);
  CHECK_FALSE(cache.find(a_other_policy));  // another policy judges the commit anew
  cache.insert(CommitFindingsCache::key("digest1", refguard::test::oid(std::string(40, 'b'))), findings("y.py"));
  cache.find(a);  // a is now the most recent
  cache.insert(CommitFindingsCache::key("digest1", refguard::test::oid(std::string(40, 'c'))), findings("z.py"));
  CHECK(cache.size() == 2);
  CHECK(cache.find(a));
  CHECK_FALSE(cache.find(CommitFindingsCache::key("digest1", refguard::test::oid(std::string(40, 'b')))));
}
