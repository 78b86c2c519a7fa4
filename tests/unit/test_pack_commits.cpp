#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "git/object_id.h"
#include "git/pack_commits.h"
#include "temp_repo.h"

namespace fs = std::filesystem;
using refguard::git::leading_commits;
using refguard::git::leading_commits_in;
using refguard::test::TempRepo;

namespace {

// A repository whose history is all in one pack, as git-receive-pack leaves a
// large push in its quarantine.
struct PackedHistory {
  TempRepo repo;
  std::set<std::string> commits;
  fs::path index, pack;

  explicit PackedHistory(int count, int tag_every = 0) {
    for (int i = 0; i < count; ++i) {
      repo.commit({{"file" + std::to_string(i % 7) + ".py", "value = " + std::to_string(i) + "\n"}},
                  "change " + std::to_string(i));
      if (tag_every > 0 && i % tag_every == 0) repo.git("tag -a -m release v" + std::to_string(i));
    }
    repo.git("repack -adq");
    std::istringstream listed(repo.git("rev-list --all"));
    for (std::string line; std::getline(listed, line);) commits.insert(line);
    for (const auto& entry : fs::directory_iterator(fs::path(repo.path()) / ".git/objects/pack"))
      if (entry.path().extension() == ".idx") index = entry.path();
    pack = index;
    pack.replace_extension(".pack");
  }
};

std::set<std::string> hex_set(const std::vector<git_oid>& ids) {
  std::set<std::string> out;
  for (const auto& id : ids) out.insert(refguard::git::ObjectId(id).hex());
  return out;
}

void copy_truncated(const fs::path& from, const fs::path& to, size_t keep) {
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(to, std::ios::binary) << bytes.substr(0, std::min(keep, bytes.size()));
}

}  // namespace

TEST_CASE("pack commits: a pack git wrote lists every commit, and only commits", "[pack_commits]") {
  PackedHistory history(40);
  REQUIRE(fs::exists(history.index));
  auto ids = leading_commits(history.index.string(), history.pack.string(), 1000);
  CHECK(ids.size() == 40);
  CHECK(hex_set(ids) == history.commits);
  CHECK(hex_set(leading_commits_in(history.index.parent_path().string(), 1000)) == history.commits);
}

TEST_CASE("pack commits: annotated tags among the commits are read past", "[pack_commits]") {
  PackedHistory history(40, 5);  // git writes tagged tips (their tags too) among the commits
  auto ids = leading_commits(history.index.string(), history.pack.string(), 1000);
  CHECK(hex_set(ids) == history.commits);
  CHECK(ids.size() == 40);
}

TEST_CASE("pack commits: more commits than the limit gives none", "[pack_commits]") {
  PackedHistory history(10);
  CHECK(leading_commits(history.index.string(), history.pack.string(), 9).empty());
  CHECK(leading_commits(history.index.string(), history.pack.string(), 10).size() == 10);
}

TEST_CASE("pack commits: an index that is not what git writes gives none, never a wrong id", "[pack_commits]") {
  PackedHistory history(10);
  auto index_size = static_cast<size_t>(fs::file_size(history.index));
  fs::path broken = history.index.parent_path() / "broken.idx";
  for (size_t keep : {size_t{0}, size_t{7}, size_t{1032}, index_size / 2, index_size - 41}) {
    copy_truncated(history.index, broken, keep);
    INFO("index cut to " << keep << " bytes");
    CHECK(leading_commits(broken.string(), history.pack.string(), 1000).empty());
  }
  // Offsets past the end of a (truncated) pack.
  fs::path short_pack = history.index.parent_path() / "short.pack";
  copy_truncated(history.pack, short_pack, 12);
  CHECK(leading_commits(history.index.string(), short_pack.string(), 1000).empty());
  // Not an index at all, and files that are not there.
  CHECK(leading_commits(history.pack.string(), history.pack.string(), 1000).empty());
  CHECK(leading_commits((history.index.parent_path() / "missing.idx").string(), history.pack.string(), 1000).empty());
  CHECK(leading_commits_in("/nonexistent/pack", 1000).empty());
}
