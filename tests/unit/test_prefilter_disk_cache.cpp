// Compiled prefilter databases kept on disk between CLI runs
// (engine/prefilter_disk_cache.h): used only for the very inputs they were
// built from, only from a directory nobody else can write to.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/blob_scanner.h"
#include "engine/prefilter.h"
#include "engine/prefilter_disk_cache.h"
#include "temp_repo.h"

using namespace refguard;
using engine::Prefilter;

namespace {

std::vector<std::filesystem::path> entries_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error))
    if (entry.path().extension() == ".hsdb") found.push_back(entry.path());
  return found;
}

std::shared_ptr<const Prefilter> build(const std::vector<std::string>& regexes) {
  std::vector<Prefilter::Entry> entries;
  for (size_t i = 0; i < regexes.size(); ++i) {
    detect::PrefilterSpec spec;
    spec.regex = regexes[i];
    entries.push_back({i, spec});
  }
  std::vector<std::string> notes;
  auto compiled = Prefilter::compile(entries, notes);
  REQUIRE(compiled);
  return *compiled;
}

std::vector<std::vector<uint32_t>> candidates_of(const Prefilter& prefilter, const std::string& content) {
  auto lines = engine::split_lines(content);
  std::vector<std::vector<uint32_t>> candidates;
  prefilter.candidates(content, lines, candidates);
  return candidates;
}

struct CacheDirectory {
  test::TempDir temp;
  std::filesystem::path dir = temp.path() / "cache";
  CacheDirectory() { engine::set_prefilter_disk_cache(dir.string()); }
  ~CacheDirectory() { engine::set_prefilter_disk_cache(""); }
};

}  // namespace

TEST_CASE("prefilter disk cache: a database is stored once and serves the same inputs only", "[prefilter]") {
  CacheDirectory cache;
  const std::string text = "x = 1\ntoken = sk-abc123\nnothing\napi_key: zzz\n";
  auto first = build({"sk-[a-z0-9]+", "api_key"});
  auto stored = entries_in(cache.dir);
  REQUIRE(stored.size() == 1);
  struct stat info {};
  REQUIRE(::stat(cache.dir.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);

  auto second = build({"sk-[a-z0-9]+", "api_key"});  // loaded: no new entry
  CHECK(entries_in(cache.dir) == stored);
  CHECK(candidates_of(*second, text) == candidates_of(*first, text));
  CHECK(candidates_of(*second, text)[0] == std::vector<uint32_t>{1});
  CHECK(candidates_of(*second, text)[1] == std::vector<uint32_t>{3});

  SECTION("other inputs never load it, even under its name") {
    // The entry for other patterns is replaced by this one's bytes: the
    // inputs it holds differ, so it is compiled afresh, never borrowed.
    auto other_path = [&] {
      build({"password"});
      for (const auto& path : entries_in(cache.dir))
        if (path != stored[0]) return path;
      return std::filesystem::path();
    }();
    REQUIRE(!other_path.empty());
    std::filesystem::copy_file(stored[0], other_path, std::filesystem::copy_options::overwrite_existing);
    auto other = build({"password"});
    const std::string passwords = "a\npassword = 1\n";
    CHECK(candidates_of(*other, passwords)[0] == std::vector<uint32_t>{1});
  }
  SECTION("a damaged entry is compiled again") {
    std::ofstream(stored[0], std::ios::binary | std::ios::trunc) << "refguard prefilter database 1\ngarbage";
    auto again = build({"sk-[a-z0-9]+", "api_key"});
    CHECK(candidates_of(*again, text) == candidates_of(*first, text));
  }
  SECTION("a directory others may write to is not used") {
    ::chmod(cache.dir.c_str(), 0777);
    std::filesystem::remove(stored[0]);
    build({"sk-[a-z0-9]+", "api_key"});
    CHECK(entries_in(cache.dir).empty());
  }
}
