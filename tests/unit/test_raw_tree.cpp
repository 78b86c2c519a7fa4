// git/raw_tree: tree objects walked in their stored bytes. Trees come from
// real git (mktree, hash-object --literally for the hostile ones); the
// cursor must read what git wrote, in git's order, and stop with a reason on
// anything else.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "git/handles.h"
#include "git/raw_tree.h"
#include "temp_repo.h"

using namespace refguard;
using refguard::test::shell_quote;
using refguard::test::TempRepo;

namespace {

std::string raw_id(char fill) { return std::string(GIT_OID_RAWSZ, fill); }

std::string entry_bytes(const std::string& mode, const std::string& name, char id_fill = '\x11') {
  return mode + " " + name + std::string(1, '\0') + raw_id(id_fill);
}

struct Walked {
  std::vector<git::RawTreeEntry> entries;
  std::string error;
};

Walked walk(const std::string& bytes) {
  Walked out;
  git::TreeCursor cursor(bytes);
  for (; !cursor.done(); cursor.advance()) out.entries.push_back(cursor.entry());
  out.error = cursor.error();
  return out;
}

git::RawTreeEntry named(std::string_view name, uint32_t mode) {
  git::RawTreeEntry entry;
  entry.name = name;
  entry.mode = mode;
  return entry;
}

}  // namespace

TEST_CASE("raw tree: a tree git wrote reads back entry by entry, in git's order", "[raw_tree]") {
  TempRepo repo(TempRepo::Kind::kBare);
  std::string blob = repo.git("hash-object -w --stdin </dev/null");
  std::string sub = repo.git("mktree </dev/null");
  // git mktree sorts its input as git orders trees: "foo" the file, then
  // "foo-bar", "foo.c", then "foo0" after the tree "foo/"... except that a
  // tree "dir" sorts as "dir/", after "dir-x" and "dir.txt".
  std::string listing = "100644 blob " + blob + "\tfoo.c\n" + "100755 blob " + blob + "\trun.sh\n" +
                        "040000 tree " + sub + "\tdir\n" + "100644 blob " + blob + "\tdir.txt\n" +
                        "100644 blob " + blob + "\tdir-x\n" + "120000 blob " + blob + "\tlink\n" +
                        "160000 commit 0123456789abcdef0123456789abcdef01234567\tmodule\n";
  refguard::test::TempDir scratch;
  std::string tree_id = repo.git("mktree <" + shell_quote(scratch.write("listing", listing)));

  git::ensure_libgit2_initialized();
  git::RepositoryPtr repository = git::acquire_or_null<git::RepositoryPtr>(git_repository_open, repo.path().c_str());
  REQUIRE(repository);
  git::OdbPtr odb = git::acquire_or_null<git::OdbPtr>(git_repository_odb, repository.get());
  REQUIRE(odb);
  git_oid id;
  REQUIRE(git_oid_fromstr(&id, tree_id.c_str()) == 0);
  auto tree = git::RawTree::read(odb.get(), id, "");
  REQUIRE(tree);

  std::vector<std::string> names;
  std::vector<git::RawTreeEntry> entries;
  auto cursor = tree->entries();
  for (; !cursor.done(); cursor.advance()) {
    names.emplace_back(cursor.entry().name);
    entries.push_back(cursor.entry());
  }
  CHECK(cursor.error().empty());
  // What git itself lists, in its order.
  std::vector<std::string> git_names;
  std::string listed = repo.git("ls-tree --name-only " + tree_id);
  for (size_t start = 0; start < listed.size();) {
    size_t end = listed.find('\n', start);
    if (end == std::string::npos) end = listed.size();
    git_names.push_back(listed.substr(start, end - start));
    start = end + 1;
  }
  CHECK(names == git_names);
  for (size_t i = 1; i < entries.size(); ++i) {
    INFO(names[i - 1] << " < " << names[i]);
    CHECK(git::compare_tree_entries(entries[i - 1], entries[i]) < 0);
    CHECK(git::compare_tree_entries(entries[i], entries[i - 1]) > 0);
  }
  for (const auto& entry : entries) {
    INFO(std::string(entry.name));
    bool file = entry.name == "foo.c" || entry.name == "run.sh" || entry.name == "dir.txt" || entry.name == "dir-x";
    CHECK(entry.is_file() == file);
    CHECK(entry.is_tree() == (entry.name == "dir"));
    if (entry.name == "run.sh") CHECK(entry.mode == 0100755);
    if (entry.name == "foo.c") CHECK(git_oid_streq(&entry.id, blob.c_str()) == 0);
  }

  SECTION("a blob is not a tree") {
    git_oid blob_id;
    REQUIRE(git_oid_fromstr(&blob_id, blob.c_str()) == 0);
    auto not_tree = git::RawTree::read(odb.get(), blob_id, "docs");
    REQUIRE_FALSE(not_tree);
    CHECK_THAT(not_tree.error().message, Catch::Contains(blob) && Catch::Contains("(docs)") && Catch::Contains("blob"));
  }
}

TEST_CASE("raw tree: a name and the same name as a tree are ordered as git orders them", "[raw_tree]") {
  // git compares a tree's name as if it ended in '/': the file "a" < "a-b" <
  // "a.c" < the tree "a" ("a/") < "a0".
  std::vector<git::RawTreeEntry> ordered = {named("a", 0100644), named("a-b", 0100644), named("a.c", 0100644),
                                            named("a", 040000), named("a0", 0100644)};
  for (size_t i = 0; i < ordered.size(); ++i)
    for (size_t j = 0; j < ordered.size(); ++j) {
      INFO(i << " vs " << j);
      int order = git::compare_tree_entries(ordered[i], ordered[j]);
      CHECK((i < j ? order < 0 : i > j ? order > 0 : order == 0));
    }
}

TEST_CASE("raw tree: modes are read as libgit2 reads them, so no mode hides a blob", "[raw_tree]") {
  const std::string bytes = entry_bytes("100664", "old-git") + entry_bytes("644", "no-type") +
                            entry_bytes("120755", "link-with-x") + entry_bytes("0100644", "zero-padded");
  auto walked = walk(bytes);  // its names point into `bytes`
  REQUIRE(walked.error.empty());
  REQUIRE(walked.entries.size() == 4);
  for (const auto& entry : walked.entries) {
    INFO(std::string(entry.name));
    CHECK(entry.is_file());
  }
  CHECK(walked.entries[3].mode == 0100644);
}

TEST_CASE("raw tree: bytes that are not a tree entry stop the cursor with the reason", "[raw_tree]") {
  const std::string good = entry_bytes("100644", "ok.txt");
  struct Case {
    std::string bytes;
    std::string reason;
  };
  std::vector<Case> cases = {
      {good + "100644 no-end", "name does not end"},
      {good + "100644 cut" + std::string(1, '\0') + raw_id('\x22').substr(0, 19), "id is cut short"},
      {good + "10x644 a" + std::string(1, '\0') + raw_id('\x22'), "octal mode"},
      {good + " a" + std::string(1, '\0') + raw_id('\x22'), "octal mode"},
      {good + "100644", "octal mode"},
      {good + "7777777 a" + std::string(1, '\0') + raw_id('\x22'), "mode is out of range"},
      {good + entry_bytes("100644", "fixtures/key.txt"), "holding '/'"},
      {good + entry_bytes("100644", ""), "named \"\""},
      {good + entry_bytes("40000", ".."), "named \"..\""},
      {good + entry_bytes("40000", "."), "named \".\""},
      {good + entry_bytes("100644", "bell\x07/x"), "named \"bell?/x\""},
  };
  for (const auto& c : cases) {
    INFO(c.reason);
    auto walked = walk(c.bytes);
    CHECK_THAT(walked.error, Catch::Contains(c.reason));
    REQUIRE(walked.entries.size() == 1);  // the good entry before it, nothing after
    CHECK(walked.entries[0].name == "ok.txt");
  }
  CHECK(walk("").entries.empty());
  CHECK(walk("").error.empty());
}
