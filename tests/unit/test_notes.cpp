// git notes as refguard writes them (git/notes.h): merged with what is there,
// every object of a batch in one pack, the ref moved once, and git itself
// reads the result.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "git/notes.h"
#include "git/repository_cache.h"
#include "object_ids.h"
#include "temp_repo.h"

using namespace refguard;
using test::TempRepo;

namespace {

const std::string kRef = "refs/notes/refguard";

size_t count_files(const std::filesystem::path& dir, bool (*wanted)(const std::filesystem::path&)) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && wanted(entry.path())) ++count;
  return count;
}
bool is_pack(const std::filesystem::path& path) { return path.extension() == ".pack"; }
bool is_loose(const std::filesystem::path& path) { return path.parent_path().filename().string().size() == 2; }

}  // namespace

TEST_CASE("notes: a batch is one pack and one ref update, merged with the notes there", "[notes]") {
  TempRepo repo;
  std::string a = repo.commit({{"a.py", "a\n"}}, "A");
  std::string b = repo.commit({{"b.py", "b\n"}}, "B");
  std::string c = repo.commit({{"c.py", "c\n"}}, "C");
  repo.git("repack -adq");
  auto opened = git::open_repository(repo.path());
  REQUIRE(opened);
  git_repository* handle = (*opened)->repository.get();
  std::filesystem::path objects = std::filesystem::path(repo.path()) / ".git/objects";
  size_t packs = count_files(objects, is_pack), loose = count_files(objects, is_loose);

  auto written = git::add_notes(handle, kRef, {{test::oid(a), {"warn one", "warn two"}}, {test::oid(b), {"warn b"}}});
  CHECK(written.problems.empty());
  CHECK(written.notes == 2);
  CHECK(count_files(objects, is_pack) == packs + 1);  // notes, trees and notes commits: one pack
  CHECK(count_files(objects, is_loose) == loose);     // and no loose object
  CHECK(repo.git("notes --ref=refguard show " + a) == "warn one\nwarn two");
  CHECK(repo.git("notes --ref=refguard show " + b) == "warn b");
  CHECK(repo.git("rev-list --count " + kRef) == "2");  // a notes commit per note, as `git notes add` makes
  CHECK_NOTHROW(repo.git("fsck --no-progress --connectivity-only"));  // every object the notes reach is there

  SECTION("lines already there write nothing") {
    std::string tip = repo.rev(kRef);
    auto again = git::add_notes(handle, kRef, {{test::oid(a), {"warn two"}}});
    CHECK(again.notes == 0);
    CHECK(again.problems.empty());
    CHECK(repo.rev(kRef) == tip);
    CHECK(count_files(objects, is_pack) == packs + 1);
  }
  SECTION("new lines join the note; a note git wrote is kept") {
    repo.git("notes --ref=refguard add -m 'by hand' " + c);
    auto more = git::add_notes(handle, kRef, {{test::oid(a), {"warn two", "warn three"}}, {test::oid(c), {"warn c"}}});
    CHECK(more.notes == 2);
    CHECK(repo.git("notes --ref=refguard show " + a) == "warn one\nwarn two\nwarn three");
    CHECK(repo.git("notes --ref=refguard show " + c) == "by hand\nwarn c");
    CHECK(repo.git("notes --ref=refguard show " + b) == "warn b");
  }
  SECTION("a commit that did not land is named; the others are written") {
    auto partly = git::add_notes(handle, kRef, {{test::numbered_id(7), {"lost"}}, {test::oid(c), {"warn c"}}});
    CHECK(partly.notes == 1);
    REQUIRE(partly.problems.size() == 1);
    CHECK(partly.problems[0].find("has not landed") != std::string::npos);
    CHECK(repo.git("notes --ref=refguard show " + c) == "warn c");
  }
}
