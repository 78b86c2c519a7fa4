#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "git/commit_changes_cache.h"
#include "git/object_reader.h"
#include "engine/push_target.h"
#include "git/push_reader.h"
#include "git/unread_changes.h"
#include "git/quarantine_odb.h"
#include "git/repository_cache.h"
#include "git/view_pool.h"
#include "ipc/request.h"
#include "object_ids.h"
#include "temp_repo.h"
#include "util/work_pool.h"

using namespace refguard;
using git::PushContent;
using test::TempRepo;

namespace {

// The push reader leaves the new commits' files for the scan to read a window
// at a time (git/unread_changes.h); these tests look at every commit's files
// at once, so they read them all, through the same reader the scan uses.
Expected<PushContent> read_all_files(Expected<PushContent> content, git_repository* view,
                                     const git::PushLimits& limits, git::CommitChangesCache* cache,
                                     git::ParallelReading parallel) {
  if (!content) return content;
  git::UnreadChanges unread(view, limits.missing_blobs_allowed, cache, parallel);
  if (auto read = unread.read(*content, 0, content->commits.size()); !read) return std::unexpected(read.error());
  return content;
}

Expected<PushContent> read_push_whole(git::CachedRepository& repository, git_repository* view,
                                      const std::string& quarantine_dir, std::vector<git::RefUpdate> updates,
                                      const git::PushLimits& limits, git::CommitChangesCache* cache = nullptr,
                                      git::ParallelReading parallel = {},
                                      const git::JudgedBefore& judged_before = nullptr) {
  return read_all_files(
      git::read_push(repository, view, quarantine_dir, std::move(updates), limits, cache, parallel, judged_before),
      view, limits, cache, parallel);
}

Expected<PushContent> read_range_whole(git::CachedRepository& repository, const std::string& range,
                                       const git::PushLimits& limits, git::CommitChangesCache* cache = nullptr,
                                       git::ParallelReading parallel = {}) {
  return read_all_files(git::read_range(repository, range, limits, cache, parallel),
                        repository.repository.get(), limits, cache, parallel);
}

const std::string kZero(40, '0');

// A changed file as the tests look at it: hex ids and the index of its commit.
struct ChangedFile {
  size_t commit = 0;
  std::string path;
  std::string blob_id;
  std::vector<std::string> base_blob_ids;  // "" = new relative to that parent
  std::vector<std::string> moved_from;     // content that only moved: where each parent held it
  const git::FileChange* change = nullptr;

  bool operator==(const ChangedFile& other) const {
    return commit == other.commit && path == other.path && blob_id == other.blob_id &&
           base_blob_ids == other.base_blob_ids && moved_from == other.moved_from;
  }
};

// Every changed file of the push, commit by commit.
std::vector<ChangedFile> listed_files(const PushContent& content) {
  std::vector<ChangedFile> files;
  for (size_t c = 0; c < content.commits.size(); ++c)
    for (const auto& change : content.commits[c].files()) {
      ChangedFile file{c, change.path, change.blob.hex(), {}, change.moved_from, &change};
      for (const auto& base : change.bases) file.base_blob_ids.push_back(base.is_zero() ? "" : base.hex());
      files.push_back(std::move(file));
    }
  return files;
}

// A work repository to write history in and a bare repository that receives
// it. "publish" moves a branch into the bare repository (existing history);
// "send" copies objects without a ref, as a push's quarantine would hold them
// before the refs move.
struct Server {
  TempRepo work;
  TempRepo bare{TempRepo::Kind::kBare};

  void publish(const std::string& branch) const { bare.fetch_ref(work, "refs/heads/" + branch); }
  void send(const std::string& ref) const { bare.receive_objects(work, ref); }

  git::CachedRepository& repository() {
    if (!repository_) {
      auto opened = git::open_repository(bare.path());
      INFO((opened ? std::string() : opened.error().message));
      REQUIRE(opened);
      repository_ = std::move(*opened);
    }
    return *repository_;
  }

  Expected<PushContent> read(const std::vector<ipc::RefUpdate>& updates, const git::PushLimits& limits = {},
                             git::CommitChangesCache* cache = nullptr) {
    ipc::Request request;
    request.updates = updates;
    auto parsed = engine::ref_updates_of(request);  // hex as the hook sends it
    if (!parsed) return std::unexpected(parsed.error());
    std::lock_guard lock(repository().mutex);
    return read_push_whole(repository(), repository().repository.get(), "", std::move(*parsed), limits, cache);
  }

  PushContent read_ok(const std::vector<ipc::RefUpdate>& updates, git::CommitChangesCache* cache = nullptr) {
    auto content = read(updates, {}, cache);
    INFO((content ? std::string() : content.error().message));
    REQUIRE(content);
    remember(*content);
    return std::move(*content);
  }

  // The commits new_lines() resolves ChangedFile::commit against.
  void remember(const PushContent& content) {
    commit_ids_.clear();
    for (const auto& commit : content.commits) commit_ids_.push_back(commit.id);
  }

  git::ObjectReader& objects() {
    if (!objects_) objects_ = std::make_unique<git::ObjectReader>(repository().repository.get(), 1ull << 30);
    return *objects_;
  }

  // The lines `file` adds, as the scan judges findings by.
  git::NewLines new_lines(const ChangedFile& file) {
    REQUIRE(file.change);
    auto lines = objects().new_lines(*file.change, commit_ids_.at(file.commit));
    INFO((lines ? std::string() : lines.error().message));
    REQUIRE(lines);
    return std::move(*lines);
  }
  std::vector<uint32_t> added(const ChangedFile& file) {
    return new_lines(file).lines;
  }

 private:
  std::shared_ptr<git::CachedRepository> repository_;
  std::unique_ptr<git::ObjectReader> objects_;
  std::vector<git::ObjectId> commit_ids_;
};

std::vector<std::string> commit_ids(const PushContent& content) {
  std::vector<std::string> ids;
  for (const auto& c : content.commits) ids.push_back(c.id.hex());
  return ids;
}

// The files of one commit, by path.
std::map<std::string, ChangedFile> files_of(const PushContent& content, const std::string& commit_id) {
  std::map<std::string, ChangedFile> files;
  for (auto& file : listed_files(content))
    if (content.commits.at(file.commit).id.hex() == commit_id) files[file.path] = std::move(file);
  return files;
}

std::vector<uint32_t> lines(std::initializer_list<uint32_t> values) { return values; }

std::string numbered(int from, int to) {
  std::string text;
  for (int i = from; i <= to; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

}  // namespace

TEST_CASE("push reader: a new branch at an existing commit brings no commits", "[push_reader]") {
  Server s;
  std::string base = s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  auto content = s.read_ok({{kZero, base, "refs/heads/copy"}});
  CHECK(content.commits.empty());
  CHECK(listed_files(content).empty());
}

TEST_CASE("push reader: a new branch with two new commits brings exactly those, oldest first", "[push_reader]") {
  Server s;
  std::string base = s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  s.work.branch("feature");
  s.work.checkout("feature");
  std::string first = s.work.commit({{"b.txt", "b\n"}}, "First change\n\nWith a body.");
  std::string second = s.work.commit({{"c.txt", "c\n"}}, "Second change");
  s.send("refs/heads/feature");

  auto content = s.read_ok({{kZero, second, "refs/heads/feature"}});
  CHECK(commit_ids(content) == std::vector<std::string>{first, second});
  REQUIRE(content.commits.size() == 2);
  CHECK(content.commits[0].subject() == "First change");
  CHECK(content.commits[1].subject() == "Second change");
  CHECK(content.commits[0].ref == "refs/heads/feature");
  CHECK(content.commits[1].ref == "refs/heads/feature");
  CHECK(files_of(content, first).count("b.txt") == 1);
  CHECK(files_of(content, second).count("c.txt") == 1);
  CHECK(listed_files(content).size() == 2);
}

TEST_CASE("push reader: a force push brings only the commits no ref reaches", "[push_reader]") {
  Server s;
  std::string a = s.work.commit({{"a.txt", "a\n"}}, "A");
  std::string b = s.work.commit({{"b.txt", "b\n"}}, "B");
  s.publish("main");
  s.work.git("reset -q --hard " + a);
  std::string c = s.work.commit({{"c.txt", "c\n"}}, "C");
  std::string d = s.work.commit({{"d.txt", "d\n"}}, "D");
  s.send("refs/heads/main");

  auto content = s.read_ok({{b, d, "refs/heads/main"}});
  CHECK(commit_ids(content) == std::vector<std::string>{c, d});
}

TEST_CASE("push reader: a deletion brings nothing", "[push_reader]") {
  Server s;
  std::string a = s.work.commit({{"a.txt", "a\n"}}, "A");
  s.publish("main");
  auto content = s.read_ok({{a, kZero, "refs/heads/main"}});
  CHECK(content.commits.empty());
  CHECK(listed_files(content).empty());
  CHECK(content.tags.empty());
}

TEST_CASE("push reader: commits shared by two pushed refs appear once, under the first ref", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  s.work.branch("x");
  s.work.checkout("x");
  std::string shared = s.work.commit({{"shared.txt", "s\n"}}, "shared");
  std::string only_x = s.work.commit({{"x.txt", "x\n"}}, "only x");
  s.work.branch("y", shared);
  s.work.checkout("y");
  std::string only_y = s.work.commit({{"y.txt", "y\n"}}, "only y");
  s.send("refs/heads/x");
  s.send("refs/heads/y");

  auto ref_of = [](const PushContent& content, const std::string& id) {
    for (const auto& c : content.commits)
      if (c.id.hex() == id) return c.ref;
    return std::string("<missing>");
  };
  SECTION("x first") {
    auto content = s.read_ok({{kZero, only_x, "refs/heads/x"}, {kZero, only_y, "refs/heads/y"}});
    auto ids = commit_ids(content);
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> expected = {shared, only_x, only_y};
    std::sort(expected.begin(), expected.end());
    CHECK(ids == expected);
    CHECK(ref_of(content, shared) == "refs/heads/x");
    CHECK(ref_of(content, only_x) == "refs/heads/x");
    CHECK(ref_of(content, only_y) == "refs/heads/y");
    CHECK(listed_files(content).size() == 3);  // each commit's file once
    CHECK(content.commits.front().id.hex() == shared);  // parents before children
  }
  SECTION("y first") {
    auto content = s.read_ok({{kZero, only_y, "refs/heads/y"}, {kZero, only_x, "refs/heads/x"}});
    CHECK(content.commits.size() == 3);
    CHECK(ref_of(content, shared) == "refs/heads/y");
    CHECK(ref_of(content, only_x) == "refs/heads/x");
  }
}

TEST_CASE("push reader: a new file has every line added", "[push_reader]") {
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string c = s.work.commit({{"src/new.py", "one\ntwo\nthree\n"}}, "add");
  s.send("refs/heads/main");
  auto content = s.read_ok({{s.bare.rev("refs/heads/main"), c, "refs/heads/main"}});
  auto files = files_of(content, c);
  REQUIRE(files.count("src/new.py"));
  const ChangedFile& file = files["src/new.py"];
  CHECK(s.added(file) == lines({1, 2, 3}));
  CHECK(file.base_blob_ids == std::vector<std::string>{""});
  CHECK_FALSE(s.new_lines(file).binary);
  CHECK(file.blob_id == s.work.rev(c + ":src/new.py"));
  auto blob = s.objects().read_blob(test::oid(file.blob_id), file.path);
  REQUIRE(blob);
  CHECK(blob->content == "one\ntwo\nthree\n");
  CHECK_FALSE(blob->binary);
  CHECK(s.objects().bytes_read() == 14);
}

TEST_CASE("push reader: a modified file lists only its changed and added lines", "[push_reader]") {
  struct Case {
    const char* name;
    std::string before;
    std::string after;
    std::vector<uint32_t> added;
  };
  const std::vector<Case> cases = {
      {"one line changed", numbered(1, 10), numbered(1, 4) + "CHANGED\n" + numbered(6, 10), {5}},
      {"line appended", numbered(1, 10), numbered(1, 10) + "appended\n", {11}},
      {"lines inserted at the top", numbered(1, 10), "new a\nnew b\n" + numbered(1, 10), {1, 2}},
      {"two separate hunks", numbered(1, 20), "X\n" + numbered(2, 19) + "Y\n", {1, 20}},
      {"a line inserted in the middle", numbered(1, 10), numbered(1, 5) + "inserted\n" + numbered(6, 10), {6}},
      {"lines only removed", numbered(1, 10), numbered(1, 3) + numbered(6, 10), {}},
      {"newline added at end of file", "a\nb", "a\nb\n", {2}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Server s;
    s.work.commit({{"f.txt", c.before}}, "before");
    std::string before_blob = s.work.rev("HEAD:f.txt");
    s.publish("main");
    std::string old_head = s.work.head();
    std::string commit = s.work.commit({{"f.txt", c.after}}, "after");
    s.send("refs/heads/main");
    auto content = s.read_ok({{old_head, commit, "refs/heads/main"}});
    REQUIRE(content.commits.size() == 1);
    auto files = files_of(content, commit);
    REQUIRE(files.count("f.txt"));
    CHECK(s.added(files["f.txt"]) == c.added);
    CHECK(files["f.txt"].base_blob_ids == std::vector<std::string>{before_blob});
  }
}

TEST_CASE("push reader: a pure rename brings no lines; a rename with an edit brings only the new lines",
          "[push_reader]") {
  Server s;
  s.work.commit({{"old/name.py", numbered(1, 30)}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.move("old/name.py", "new/name.py");
  std::string renamed = s.work.commit({}, "pure rename");
  s.work.move("new/name.py", "newer/name.py");
  s.work.write("newer/name.py", numbered(1, 14) + "EDITED 15\n" + numbered(16, 30) + "tail\n");
  std::string edited = s.work.commit({}, "rename and edit");
  s.send("refs/heads/main");

  auto content = s.read_ok({{base, edited, "refs/heads/main"}});
  REQUIRE(content.commits.size() == 2);
  // Listed with where it came from (a rule that did not look there must see
  // it as new: test_push_pipeline.cpp), compared with itself: no lines.
  auto moved = files_of(content, renamed);
  REQUIRE(moved.size() == 1);
  REQUIRE(moved.count("new/name.py"));
  CHECK(moved["new/name.py"].moved_from == std::vector<std::string>{"old/name.py"});
  CHECK(moved["new/name.py"].base_blob_ids == std::vector<std::string>{moved["new/name.py"].blob_id});
  auto pure = s.new_lines(moved["new/name.py"]);
  CHECK(pure.lines.empty());
  REQUIRE(pure.parents.size() == 1);
  CHECK(pure.parents[0].moved_from == "old/name.py");
  auto files = files_of(content, edited);
  REQUIRE(files.size() == 1);
  REQUIRE(files.count("newer/name.py"));
  auto edits = s.new_lines(files["newer/name.py"]);
  CHECK(edits.lines == lines({15, 31}));  // found by similarity, for files with findings
  REQUIRE(edits.parents.size() == 1);
  CHECK(edits.parents[0].moved_from == "new/name.py");
  CHECK(files["newer/name.py"].base_blob_ids == std::vector<std::string>{""});
}

// Issue 15, item 6: content that came from a path a rule did not look at
// (an allowlisted fixtures/) is new to that rule, whatever git calls the move.
TEST_CASE("push reader: moved or copied lines are new to a check that did not look where they came from",
          "[push_reader]") {
  Server s;
  s.work.commit({{"fixtures/keys.py", numbered(1, 10)}, {"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.move("fixtures/keys.py", "src/keys.py");
  s.work.write("src/keys.py", numbered(1, 9) + "edited 10\n");
  std::string moved = s.work.commit({}, "move and edit");
  s.send("refs/heads/main");
  auto content = s.read_ok({{base, moved, "refs/heads/main"}});
  auto files = files_of(content, moved);
  REQUIRE(files.count("src/keys.py"));
  auto lines_of_move = s.new_lines(files["src/keys.py"]);
  auto everywhere = [](const std::string&) { return true; };
  auto not_in_fixtures = [](const std::string& path) { return !path.starts_with("fixtures/"); };
  CHECK(lines_of_move.lines == lines({10}));
  CHECK_FALSE(lines_of_move.is_new(3, everywhere));
  CHECK(lines_of_move.is_new(10, everywhere));
  CHECK(lines_of_move.is_new(3, not_in_fixtures));
  CHECK(lines_of_move.is_new(0, not_in_fixtures));
  CHECK(lines_of_move.is_new(0, everywhere));  // the edit is new to everyone
}

TEST_CASE("push reader: a copy of a file the commit did not touch brings no new lines", "[push_reader]") {
  Server s;
  s.work.commit({{"keys/kept.py", numbered(1, 20)}, {"other.txt", "x\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  // Exact copy of an unchanged file (git's similarity search would not see
  // it: its source is unmodified), beside a file that is really new.
  std::string copied = s.work.commit({{"elsewhere/kept-copy.py", numbered(1, 20)}, {"fresh.py", "new\n"}}, "copy");
  // A copy that is edited is not exact: every line counts as new.
  std::string edited = s.work.commit({{"edited-copy.py", numbered(1, 19) + "changed\n"}}, "copy and edit");
  s.send("refs/heads/main");

  auto content = s.read_ok({{base, edited, "refs/heads/main"}});
  auto files = files_of(content, copied);
  REQUIRE(files.count("elsewhere/kept-copy.py"));
  CHECK(files["elsewhere/kept-copy.py"].base_blob_ids == std::vector<std::string>{""});
  auto copy = s.new_lines(files["elsewhere/kept-copy.py"]);
  CHECK(copy.lines.empty());
  REQUIRE(copy.parents.size() == 1);
  CHECK(copy.parents[0].moved_from == "keys/kept.py");
  CHECK_FALSE(copy.is_new(0, [](const std::string&) { return true; }));
  CHECK(copy.is_new(5, [](const std::string& path) { return path != "keys/kept.py"; }));
  CHECK(s.added(files["fresh.py"]) == lines({1}));
  auto edited_files = files_of(content, edited);
  REQUIRE(edited_files.count("edited-copy.py"));
  CHECK(s.added(edited_files["edited-copy.py"]).size() == 20);
}

TEST_CASE("push reader: a binary file is flagged binary", "[push_reader]") {
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  const std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\1\2\3", 20);
  std::string c = s.work.commit({{"img/logo.png", bytes}, {"text.txt", "text\n"}}, "binary");
  s.send("refs/heads/main");
  auto content = s.read_ok({{base, c, "refs/heads/main"}});
  auto files = files_of(content, c);
  REQUIRE(files.count("img/logo.png"));
  auto png = s.new_lines(files["img/logo.png"]);
  CHECK(png.binary);
  CHECK(png.lines.empty());
  auto blob = s.objects().read_blob(test::oid(files["img/logo.png"].blob_id), "img/logo.png");
  REQUIRE(blob);
  CHECK(blob->binary);
  CHECK(blob->content == bytes);
  REQUIRE(files.count("text.txt"));
  CHECK_FALSE(s.new_lines(files["text.txt"]).binary);
  CHECK(s.added(files["text.txt"]) == lines({1}));
}

TEST_CASE("push reader: text that replaces a binary file is all new", "[push_reader]") {
  Server s;
  s.work.commit({{"data.bin", std::string("\0\1\2line 1\n", 10)}}, "binary");
  s.publish("main");
  std::string base = s.work.head();
  std::string c = s.work.commit({{"data.bin", "line 1\nline 2\n"}}, "now text");
  s.send("refs/heads/main");
  auto content = s.read_ok({{base, c, "refs/heads/main"}});
  auto files = files_of(content, c);
  REQUIRE(files.count("data.bin"));
  CHECK_FALSE(s.new_lines(files["data.bin"]).binary);
  CHECK(s.added(files["data.bin"]) == lines({1, 2}));
}

TEST_CASE("push reader: a root commit is diffed against the empty tree", "[push_reader]") {
  Server s;
  std::string root = s.work.commit({{"a.txt", "1\n2\n"}, {"dir/b.txt", "b\n"}}, "root");
  std::string next = s.work.commit({{"a.txt", "1\n2\n3\n"}}, "next");
  s.send("refs/heads/main");  // the bare repository has no refs at all
  auto content = s.read_ok({{kZero, next, "refs/heads/main"}});
  CHECK(commit_ids(content) == std::vector<std::string>{root, next});
  auto root_files = files_of(content, root);
  REQUIRE(root_files.size() == 2);
  CHECK(s.added(root_files["a.txt"]) == lines({1, 2}));
  CHECK(root_files["a.txt"].base_blob_ids.empty());
  CHECK(s.added(root_files["dir/b.txt"]) == lines({1}));
  CHECK(s.added(files_of(content, next)["a.txt"]) == lines({3}));
}

TEST_CASE("push reader: a clean merge commit adds nothing", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", numbered(1, 5)}, {"b.txt", numbered(1, 5)}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.branch("feature");
  s.work.checkout("feature");
  std::string on_feature = s.work.commit({{"b.txt", numbered(1, 5) + "feature line\n"}, {"new.txt", "new\n"}}, "feature");
  s.work.checkout("main");
  std::string on_main = s.work.commit({{"a.txt", "main line\n" + numbered(1, 5)}}, "main");
  std::string merge = s.work.merge("feature", "Merge feature");
  REQUIRE_FALSE(merge.empty());
  s.send("refs/heads/main");

  auto content = s.read_ok({{base, merge, "refs/heads/main"}});
  REQUIRE(content.commits.size() == 3);
  CHECK(content.commits.back().id.hex() == merge);
  CHECK(files_of(content, merge).empty());
  CHECK(s.added(files_of(content, on_feature)["b.txt"]) == lines({6}));
  CHECK(files_of(content, on_feature).count("new.txt") == 1);
  CHECK(s.added(files_of(content, on_main)["a.txt"]) == lines({1}));
}

TEST_CASE("push reader: lines written to resolve a merge conflict are new in the merge commit", "[push_reader]") {
  Server s;
  s.work.commit({{"c.txt", "one\ntwo\nthree\nfour\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.branch("feature");
  s.work.checkout("feature");
  s.work.commit({{"c.txt", "one\ntwo from feature\nthree\nfour\n"}}, "feature");
  s.work.checkout("main");
  s.work.commit({{"c.txt", "one\ntwo from main\nthree\nfour\n"}}, "main");

  SECTION("a new resolution line") {
    REQUIRE(s.work.merge("feature", "Merge feature").empty());  // conflict
    std::string merge = s.work.commit({{"c.txt", "one\ntwo resolved by hand\nthree\nfour\n"}}, "Merge feature");
    REQUIRE(s.work.git("rev-list --parents -n 1 HEAD").size() > 3 * 40);  // really a merge
    s.send("refs/heads/main");
    auto content = s.read_ok({{base, merge, "refs/heads/main"}});
    auto files = files_of(content, merge);
    REQUIRE(files.count("c.txt"));
    CHECK(files["c.txt"].base_blob_ids.size() == 2);  // judged against both parents
    CHECK(s.added(files["c.txt"]) == lines({2}));
  }
  SECTION("a resolution that keeps one side adds nothing") {
    REQUIRE(s.work.merge("feature", "Merge feature").empty());
    std::string merge = s.work.commit({{"c.txt", "one\ntwo from main\nthree\nfour\n"}}, "Merge feature");
    s.send("refs/heads/main");
    auto content = s.read_ok({{base, merge, "refs/heads/main"}});
    CHECK(files_of(content, merge).empty());
  }
}

TEST_CASE("push reader: an annotated tag's message is captured", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  std::string tag = s.work.tag("v1.0", "Release 1.0\n\nsk-proj-notasecret in the notes");
  s.send("refs/tags/v1.0");
  auto content = s.read_ok({{kZero, tag, "refs/tags/v1.0"}});
  REQUIRE(content.tags.size() == 1);
  CHECK(content.tags[0].ref == "refs/tags/v1.0");
  CHECK(content.tags[0].id.hex() == tag);
  CHECK_THAT(content.tags[0].message, Catch::StartsWith("Release 1.0\n\nsk-proj-notasecret in the notes"));
  CHECK(content.commits.empty());  // the tagged commit was already there
}

TEST_CASE("push reader: an annotated tag on new commits brings those commits too", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  std::string c = s.work.commit({{"b.txt", "b\n"}}, "tagged work");
  std::string tag = s.work.tag("v2", "two");
  s.send("refs/tags/v2");
  auto content = s.read_ok({{kZero, tag, "refs/tags/v2"}});
  CHECK(commit_ids(content) == std::vector<std::string>{c});
  REQUIRE(content.tags.size() == 1);
  CHECK(content.commits[0].ref == "refs/tags/v2");
}

TEST_CASE("push reader: a missing pushed object is an error naming its id", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  const std::string missing = "0123456789abcdef0123456789abcdef01234567";
  auto content = s.read({{kZero, missing, "refs/heads/ghost"}});
  REQUIRE_FALSE(content);
  CHECK_THAT(content.error().message, Catch::Contains(missing) && Catch::Contains("refs/heads/ghost"));
}

TEST_CASE("push reader: limits on commits and on blob bytes are errors", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.commit({{"b.txt", std::string(2000, 'b')}}, "one");
  std::string tip = s.work.commit({{"c.txt", std::string(2000, 'c')}}, "two");
  s.send("refs/heads/main");

  git::PushLimits one_commit;
  one_commit.max_commits = 1;
  auto too_many = s.read({{base, tip, "refs/heads/main"}}, one_commit);
  REQUIRE_FALSE(too_many);
  CHECK_THAT(too_many.error().message, Catch::Contains("more than 1 commits"));

  git::PushLimits enough;
  enough.max_commits = 2;
  auto content = s.read({{base, tip, "refs/heads/main"}}, enough);
  REQUIRE(content);
  auto files = listed_files(*content);
  REQUIRE(files.size() == 2);

  // Blob content is read on demand, and the limit counts what was read.
  git::ObjectReader small(s.repository().repository.get(), 3000);
  REQUIRE(small.read_blob(test::oid(files[0].blob_id), files[0].path));
  auto too_big = small.read_blob(test::oid(files[1].blob_id), files[1].path);
  REQUIRE_FALSE(too_big);
  CHECK_THAT(too_big.error().message, Catch::Contains("of new file content"));
}

TEST_CASE("push reader: a commit read once comes from the changes cache, with the same changes", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  s.work.commit({{"b.txt", "b\n"}, {"a.txt", "a\nmore\n"}}, "one");
  s.work.move("b.txt", "c.txt");
  std::string tip = s.work.commit({{"d.txt", "d\n"}}, "two");
  s.send("refs/heads/main");

  git::CommitChangesCache cache;
  auto first = s.read_ok({{base, tip, "refs/heads/main"}}, &cache);
  CHECK(first.commits_from_cache == 0);
  CHECK(cache.size() == 2);
  auto again = s.read_ok({{kZero, tip, "refs/heads/retry"}}, &cache);
  CHECK(again.commits_from_cache == 2);
  CHECK(listed_files(first).size() == 4);  // c.txt only moved: listed, with where it came from
  CHECK(listed_files(again) == listed_files(first));
  CHECK(again.commits.back().ref == "refs/heads/retry");

  git::CommitChangesCache tiny(1);
  s.read_ok({{base, tip, "refs/heads/main"}}, &tiny);
  CHECK(tiny.size() == 1);  // bounded: the oldest entry went
}

TEST_CASE("push reader: a commit judged before is walked, not diffed, and its record never cached", "[push_reader]") {
  Server s;
  s.work.commit({{"a.txt", "a\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  std::string judged = s.work.commit({{"b.txt", "b\n"}}, "judged before\n\nbody");
  std::string fresh = s.work.commit({{"c.txt", "c\n"}}, "new");
  s.send("refs/heads/main");

  std::vector<std::string> asked;
  git::JudgedBefore judged_before = [&](const std::vector<git::ObjectId>& commits) {
    std::vector<std::shared_ptr<const git::JudgedCommit>> answer;
    for (const auto& id : commits) {
      asked.push_back(id.hex());
      answer.push_back(id.hex() == judged ? std::make_shared<const git::JudgedCommit>(git::JudgedCommit{
                                                {test::oid(base)}, "as judged"})
                                          : nullptr);
    }
    return answer;
  };
  ipc::Request request;
  request.updates = {{base, fresh, "refs/heads/main"}};
  auto updates = engine::ref_updates_of(request);
  REQUIRE(updates);
  git::CommitChangesCache cache;
  std::lock_guard lock(s.repository().mutex);
  auto content = read_push_whole(s.repository(), s.repository().repository.get(), "", std::move(*updates), {}, &cache,
                                {}, judged_before);
  REQUIRE(content);
  CHECK(asked == std::vector<std::string>{judged, fresh});  // one question for the whole push, oldest first
  REQUIRE(content->commits.size() == 2);
  const auto& first = content->commits[0];
  CHECK(first.id.hex() == judged);
  CHECK_FALSE(first.changes->files_read);
  CHECK(first.files().empty());
  CHECK(first.subject() == "as judged");  // from the judgement: the commit itself is not read
  CHECK(first.changes->parents == std::vector<git::ObjectId>{test::oid(base)});
  CHECK(content->commits[1].changes->parents == std::vector<git::ObjectId>{test::oid(judged)});
  CHECK(content->commits[1].changes->files_read);
  CHECK(content->commits[1].files().size() == 1);
  CHECK(cache.size() == 1);  // only the commit whose changes were read
  CHECK(cache.find(git::ObjectId::from_hex(fresh)->raw()));
  CHECK_FALSE(cache.find(git::ObjectId::from_hex(judged)->raw()));
}

TEST_CASE("push reader: read_range reads a range, one rev's history, or every ref", "[push_reader]") {
  Server s;
  std::string a = s.work.commit({{"a.txt", "a\n"}}, "A");
  std::string b = s.work.commit({{"b.txt", "b\n"}}, "B");
  std::string c = s.work.commit({{"c.txt", "c\n"}}, "C");
  s.work.branch("side", a);
  s.work.checkout("side");
  std::string d = s.work.commit({{"d.txt", "d\n"}}, "D");
  s.publish("main");
  s.publish("side");
  auto& repository = s.repository();
  std::lock_guard lock(repository.mutex);

  auto range = read_range_whole(repository, a + ".." + c, {});
  REQUIRE(range);
  CHECK(commit_ids(*range) == std::vector<std::string>{b, c});
  s.remember(*range);
  CHECK(s.added(files_of(*range, c)["c.txt"]) == lines({1}));

  auto history = read_range_whole(repository, "refs/heads/side", {});
  REQUIRE(history);
  CHECK(commit_ids(*history) == std::vector<std::string>{a, d});

  auto everything = read_range_whole(repository, "", {});
  REQUIRE(everything);
  CHECK(everything->commits.size() == 4);
  CHECK(everything->commits.front().id.hex() == a);

  auto bad = read_range_whole(repository, "no-such-branch", {});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("cannot resolve range 'no-such-branch'"));
}

TEST_CASE("push reader: the tree walk lists changed regular files only, content that only moved with its source",
          "[push_reader]") {
  Server s;
  s.work.commit({{"a/one.py", numbered(1, 5)}, {"a/two.py", numbered(6, 9)}, {"keep/x.txt", "x\n"},
                 {"thing", "a file at first\n"}},
                "base");
  s.publish("main");
  std::string base = s.work.head();
  // A directory moved whole, one file edited in place, a copy of an edited
  // file's old content, a file replaced by a directory, a symlink.
  s.work.git("mv a b");
  s.work.write("keep/x.txt", "x\nmore\n");
  s.work.write("copy-of-x.txt", "x\n");
  s.work.git("rm -q thing");
  s.work.write("thing/inside.txt", "now a directory\n");
  s.work.git("add -A");
  s.work.git("-c core.symlinks=true commit -q -m moves");
  std::string moves = s.work.head();
  s.work.git("update-index --add --cacheinfo 120000," + s.work.git("hash-object -w --stdin </dev/null") + ",link");
  s.work.git("update-index --add --cacheinfo 160000,0123456789abcdef0123456789abcdef01234567,sub");
  s.work.git("commit -q -m 'symlink and gitlink'");
  std::string special = s.work.head();
  s.send("refs/heads/main");

  auto content = s.read_ok({{base, special, "refs/heads/main"}});
  auto files = files_of(content, moves);
  // Moved with its directory, and the old content of an edited file: only
  // moved, so compared with themselves, and where they came from is kept.
  for (auto [path, from] :
       {std::pair{"b/one.py", "a/one.py"}, {"b/two.py", "a/two.py"}, {"copy-of-x.txt", "keep/x.txt"}}) {
    INFO(path);
    REQUIRE(files.count(path));
    CHECK(files[path].moved_from == std::vector<std::string>{from});
    CHECK(files[path].base_blob_ids == std::vector<std::string>{files[path].blob_id});
    CHECK(s.added(files[path]).empty());
  }
  REQUIRE(files.count("keep/x.txt"));
  CHECK(s.added(files["keep/x.txt"]) == lines({2}));
  CHECK(files["keep/x.txt"].moved_from.empty());
  REQUIRE(files.count("thing/inside.txt"));  // a file that became a directory
  CHECK(files["thing/inside.txt"].base_blob_ids == std::vector<std::string>{""});
  CHECK(files.size() == 5);
  CHECK(files_of(content, special).empty());  // symlinks and gitlinks are not scanned
}

TEST_CASE("push reader: reading on several threads gives the serial result", "[push_reader]") {
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  for (int i = 0; i < 40; ++i)
    s.work.commit({{"src/f" + std::to_string(i % 7) + ".py", numbered(1, i + 2)}, {"n.txt", std::to_string(i)}},
                  "c" + std::to_string(i));
  std::string tip = s.work.head();
  s.send("refs/heads/main");

  auto serial = s.read_ok({{base, tip, "refs/heads/main"}});
  WorkPool pool(3);
  git::ViewPool views(s.repository().path, "");
  git::ParallelReading parallel{&pool, &views, 1};
  Expected<PushContent> threaded = fail("not read");
  {
    std::lock_guard lock(s.repository().mutex);
    threaded = read_push_whole(s.repository(), s.repository().repository.get(), "",
                              {{test::oid(base), test::oid(tip), "refs/heads/main"}}, {}, nullptr, parallel);
  }
  REQUIRE(threaded);
  CHECK(commit_ids(*threaded) == commit_ids(serial));
  CHECK_FALSE(listed_files(serial).empty());
  CHECK(listed_files(*threaded) == listed_files(serial));
}

TEST_CASE("push reader: a large push's packed commits judged before are not read; each commit is asked about once",
          "[push_reader]") {
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  std::vector<std::string> made;
  for (int i = 0; i < 12; ++i)
    made.push_back(s.work.commit({{"src/f" + std::to_string(i % 3) + ".py", numbered(1, i + 2)}}, "c" + std::to_string(i)));
  std::string tip = made.back();
  // The quarantine git-receive-pack leaves a large push in: one pack of the new objects.
  std::string quarantine = s.bare.path() + "/objects/incoming-test";
  std::filesystem::create_directories(quarantine + "/pack");
  s.work.write("../revs", tip + "\n^" + base + "\n");
  s.work.git("pack-objects -q --revs " + quarantine + "/pack/pack < " + s.work.path() + "/../revs");

  // Every other commit was judged before (under another summary, to tell
  // where a record came from).
  std::map<std::string, std::string> judged;  // commit -> its parent
  for (size_t i = 0; i < made.size(); i += 2) judged[made[i]] = i == 0 ? base : made[i - 1];
  std::vector<std::string> asked;
  git::JudgedBefore judged_before = [&](const std::vector<git::ObjectId>& commits) {
    std::vector<std::shared_ptr<const git::JudgedCommit>> answer;
    for (const auto& id : commits) {
      asked.push_back(id.hex());
      auto found = judged.find(id.hex());
      answer.push_back(found == judged.end() ? nullptr
                                             : std::make_shared<const git::JudgedCommit>(git::JudgedCommit{
                                                   {test::oid(found->second)}, "as judged"}));
    }
    return answer;
  };
  WorkPool pool(2);
  git::ViewPool views(s.repository().path, quarantine);
  git::ParallelReading parallel{&pool, &views, 1};
  std::lock_guard lock(s.repository().mutex);
  auto view = git::open_push_view(s.repository().odb.get(), quarantine);
  REQUIRE(view);
  auto content = read_push_whole(s.repository(), view->get(), quarantine,
                                {{test::oid(base), test::oid(tip), "refs/heads/main"}}, {}, nullptr, parallel,
                                judged_before);
  INFO((content ? std::string() : content.error().message));
  REQUIRE(content);
  REQUIRE(commit_ids(*content) == made);
  std::vector<std::string> distinct = asked;
  std::sort(distinct.begin(), distinct.end());
  CHECK(std::unique(distinct.begin(), distinct.end()) == distinct.end());  // no commit asked twice
  CHECK(distinct.size() == made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    const auto& commit = content->commits[i];
    INFO("commit " << i);
    CHECK(commit.ref == "refs/heads/main");
    CHECK(commit.changes->parents == std::vector<git::ObjectId>{test::oid(i == 0 ? base : made[i - 1])});
    if (judged.contains(made[i])) {
      CHECK(commit.subject() == "as judged");  // its record is its judgement's
      CHECK_FALSE(commit.changes->files_read);
    } else {
      CHECK(commit.subject() == "c" + std::to_string(i));
      CHECK(commit.changes->files_read);
      CHECK(commit.files().size() == 1);
    }
  }
}

TEST_CASE("push reader: reading threads find history in the repository's alternates (a fork's object pool)",
          "[push_reader]") {
  TempRepo work;
  for (int i = 0; i < 5; ++i) work.commit({{"src/base" + std::to_string(i) + ".py", numbered(1, 20 + i)}}, "base");
  std::string base = work.head();
  TempRepo pool(TempRepo::Kind::kBare);
  pool.fetch_ref(work, "refs/heads/main");
  TempRepo fork(TempRepo::Kind::kBare);
  std::filesystem::create_directories(fork.path() + "/objects/info");
  std::ofstream(fork.path() + "/objects/info/alternates") << pool.path() << "/objects\n";
  fork.git("update-ref refs/heads/main " + base);  // the fork's history lives in the pool
  REQUIRE(fork.git("count-objects -v").find("count: 0") != std::string::npos);
  for (int i = 0; i < 70; ++i)
    work.commit({{"src/base" + std::to_string(i % 5) + ".py", numbered(1, 30 + i)}}, "c" + std::to_string(i));
  std::string tip = work.head();
  fork.receive_objects(work, "refs/heads/main");

  auto opened = git::open_repository(fork.path());
  REQUIRE(opened);
  git::CachedRepository& repository = **opened;
  WorkPool workers(2);
  git::ViewPool views(repository.path, "");
  Expected<PushContent> serial = fail("not read"), threaded = fail("not read");
  {
    std::lock_guard lock(repository.mutex);
    serial = read_push_whole(repository, repository.repository.get(), "",
                            {{test::oid(base), test::oid(tip), "refs/heads/main"}}, {});
    threaded = read_push_whole(repository, repository.repository.get(), "",
                              {{test::oid(base), test::oid(tip), "refs/heads/main"}}, {}, nullptr,
                              git::ParallelReading{&workers, &views, 1});
  }
  INFO((threaded ? std::string() : threaded.error().message));
  REQUIRE(serial);
  REQUIRE(threaded);
  CHECK(threaded->commits.size() == 70);
  CHECK(listed_files(*threaded) == listed_files(*serial));
  // The first new commit's parent trees are only in the pool: each changed file has a base there.
  REQUIRE_FALSE(threaded->commits.front().files().empty());
  CHECK_FALSE(threaded->commits.front().files().front().bases.front().is_zero());
}

TEST_CASE("push reader: a tree entry named with a '/' (a path it does not have) is a corrupt tree, not a pass",
          "[push_reader]") {
  // An attacker's tree puts a key at "fixtures/key.txt" as one name in the
  // root tree: rules allowlisting fixtures/** would see it there, where no
  // checkout has it. git fsck refuses such a name; so does the check.
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  test::TempDir scratch;
  std::string key = s.bare.git("hash-object -w " + test::shell_quote(scratch.write("key", "OPENAI_API_KEY=sk-a\n")));
  git_oid key_id;
  REQUIRE(git_oid_fromstr(&key_id, key.c_str()) == 0);
  std::string tree_bytes = "100644 fixtures/key.txt" + std::string(1, '\0') +
                           std::string(reinterpret_cast<const char*>(key_id.id), GIT_OID_RAWSZ);
  std::string file = scratch.write("tree", tree_bytes);
  std::string tree = s.bare.git("hash-object -t tree --literally -w " + test::shell_quote(file));
  std::string hostile = s.bare.git("commit-tree " + tree + " -p " + base + " -m hostile");

  auto content = s.read({{base, hostile, "refs/heads/main"}});
  REQUIRE_FALSE(content);
  CHECK_THAT(content.error().message,
             Catch::Contains(hostile) && Catch::Contains("fixtures/key.txt") && Catch::Contains("corrupt tree"));
}

TEST_CASE("push reader: the changed files of random commits are exactly what git diff-tree lists", "[push_reader]") {
  // Names that sort differently as files and as trees ("a" < "a-b" < "a.c" <
  // "a/" < "a0"), files that become directories and back, deletions,
  // renames, executable bits, symlinks: every commit's list must be git's
  // regular files whose content changed (git diff-tree -r --no-renames).
  namespace fs = std::filesystem;
  Server s;
  s.work.commit({{"README", "r\n"}}, "base");
  s.publish("main");
  std::string base = s.work.head();
  const std::vector<std::string> names = {"a", "a-b", "a.c", "a0", "A", "b c", "\xC3\xA9"};
  std::mt19937 random(18);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  const fs::path root = s.work.path();
  std::error_code ignored;
  // Makes `full`'s directories, removing any file or symlink in their way.
  auto make_parents = [&](const fs::path& full) {
    for (fs::path dir = full.parent_path(); dir != root; dir = dir.parent_path())
      if (fs::is_symlink(dir, ignored) || fs::is_regular_file(dir, ignored)) fs::remove(dir, ignored);
    fs::create_directories(full.parent_path(), ignored);
  };
  for (int c = 0; c < 60; ++c) {
    for (int change = 0; change < 3; ++change) {
      std::string path = names[pick(names.size())];  // up to three levels deep
      for (size_t depth = pick(3); depth > 0; --depth) path = names[pick(names.size())] + "/" + path;
      const fs::path full = root / path;
      switch (pick(5)) {
        case 0:  // whatever is there goes (a file, a symlink or a whole directory)
          fs::remove_all(full, ignored);
          break;
        case 1:  // a symlink instead
          fs::remove_all(full, ignored);
          make_parents(full);
          fs::create_symlink("target-" + std::to_string(c), full, ignored);
          break;
        case 2:  // the executable bit flips, content unchanged: nothing to scan
          if (fs::is_regular_file(full, ignored) && !fs::is_symlink(full, ignored))
            fs::permissions(full, fs::perms::owner_exec, fs::perm_options::add, ignored);
          break;
        default:  // a file written, replacing whatever was at the path
          if (fs::is_directory(full, ignored) || fs::is_symlink(full, ignored)) fs::remove_all(full, ignored);
          make_parents(full);
          s.work.write(path, "commit " + std::to_string(c) + " change " + std::to_string(change) + "\n");
      }
    }
    s.work.git("add -A");
    s.work.git("-c core.symlinks=true commit -q --allow-empty -m c" + std::to_string(c));
  }
  std::string tip = s.work.head();
  s.send("refs/heads/main");

  auto content = s.read_ok({{base, tip, "refs/heads/main"}});
  REQUIRE(content.commits.size() == 60);
  size_t listed = 0;
  for (const auto& commit : content.commits) {
    std::set<std::string> ours;
    for (const auto& file : commit.files()) ours.insert(file.path);
    // -z: ":oldmode newmode oldid newid status\0path\0" per change.
    std::string raw = s.work.git("diff-tree -r --no-renames --no-commit-id -z " + commit.id.hex());
    std::set<std::string> gits;
    for (size_t at = 0; at < raw.size();) {
      size_t meta_end = raw.find('\0', at);
      if (meta_end == std::string::npos) break;
      size_t path_end = std::min(raw.find('\0', meta_end + 1), raw.size());
      std::istringstream meta(raw.substr(at, meta_end - at));
      std::string old_mode, new_mode, old_id, new_id, status;
      meta >> old_mode >> new_mode >> old_id >> new_id >> status;
      std::string path = raw.substr(meta_end + 1, path_end - meta_end - 1);
      at = path_end + 1;
      if ((new_mode == "100644" || new_mode == "100755") && old_id != new_id) gits.insert(path);
    }
    INFO("commit " << commit.subject());
    CHECK(ours == gits);
    listed += ours.size();
  }
  CHECK(listed >= 30);  // the history did change files (60 with this seed)
}
