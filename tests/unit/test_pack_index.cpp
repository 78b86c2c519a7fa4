// Pack indexes read as bytes (git/pack_index.h): ids, offsets and lookups
// agree with git's own view of the pack, a damaged index is refused, and
// blobs are ordered as the packs store them.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "git/pack_index.h"
#include "object_ids.h"
#include "temp_repo.h"

using namespace refguard;
using git::PackIndex;
using test::TempRepo;

namespace {

struct Packed {
  TempRepo repo;
  std::filesystem::path index_path;
  std::map<std::string, uint64_t> offsets;  // id -> offset, as `git show-index` lists them

  Packed() {
    for (int i = 0; i < 30; ++i)
      repo.commit({{"src/f" + std::to_string(i % 4) + ".py", "value = " + std::to_string(i) + "\n" + std::string(200, 'x')}},
                  "c" + std::to_string(i));
    repo.git("repack -adq --depth=50");
    for (const auto& entry : std::filesystem::directory_iterator(repo.path() + "/.git/objects/pack"))
      if (entry.path().extension() == ".idx") index_path = entry.path();
    std::istringstream listed(repo.git("show-index < " + index_path.string()));
    for (std::string line; std::getline(listed, line);) {
      std::istringstream fields(line);
      uint64_t offset;
      std::string id;
      fields >> offset >> id;
      offsets[id] = offset;
    }
  }
};

std::string hex_of(const unsigned char* raw) {
  git_oid oid;
  std::memcpy(oid.id, raw, 20);
  return git::ObjectId(oid).hex();
}

}  // namespace

TEST_CASE("pack index: every entry's id and offset as git lists them; lookups find them", "[pack_index]") {
  Packed packed;
  auto index = PackIndex::read(packed.index_path.string());
  REQUIRE(index);
  REQUIRE(index->count() == packed.offsets.size());
  for (uint32_t i = 0; i < index->count(); ++i) {
    std::string id = hex_of(index->id(i));
    REQUIRE(packed.offsets.count(id));
    CHECK(index->offset(i) == packed.offsets[id]);
    CHECK(index->find(test::oid(id).raw()) == i);
  }
  CHECK_FALSE(index->find(test::numbered_id(12345).raw()));
}

TEST_CASE("pack index: a damaged index is refused, never read past", "[pack_index]") {
  Packed packed;
  std::ifstream in(packed.index_path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(PackIndex::parse(bytes));
  CHECK_FALSE(PackIndex::parse(""));
  CHECK_FALSE(PackIndex::parse(bytes.substr(0, bytes.size() / 2)));  // cut short: the count says more
  std::string version = bytes;
  version[7] = 3;
  CHECK_FALSE(PackIndex::parse(version));
  std::string fanout = bytes;
  fanout[8 + 4 * 100 + 3] = '\xff';  // a fan-out count that goes down again
  fanout[8 + 4 * 100 + 2] = '\xff';
  CHECK_FALSE(PackIndex::parse(fanout));
}

TEST_CASE("pack reading order: as the pack stores the blobs; ids in no pack come last, as given", "[pack_index]") {
  Packed packed;
  packed.repo.write("loose.txt", "not packed\n");
  std::string loose = packed.repo.git("hash-object -w loose.txt");
  std::vector<git::ObjectId> ids;
  for (const auto& line : {std::string("HEAD:src/f0.py"), std::string("HEAD~5:src/f1.py"), std::string("HEAD~9:src/f2.py"),
                           std::string("HEAD~2:src/f3.py"), std::string("HEAD~13:src/f0.py")})
    ids.push_back(test::oid(packed.repo.rev(line)));
  ids.insert(ids.begin() + 2, test::oid(loose));
  auto order = git::pack_reading_order(packed.repo.path() + "/.git/objects/pack", ids);
  REQUIRE(order.size() == ids.size());
  CHECK(order.back() == 2);  // the loose one
  for (size_t i = 1; i + 1 < order.size(); ++i)
    CHECK(packed.offsets[ids[order[i - 1]].hex()] < packed.offsets[ids[order[i]].hex()]);
  std::vector<size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) CHECK(sorted[i] == i);  // a permutation
}

TEST_CASE("pack index: offsets looked up a few entries per read agree with git; damage finds nothing", "[pack_index]") {
  Packed packed;
  std::vector<git::ObjectId> ids;
  std::vector<uint64_t> expected;
  for (const auto& [id, offset] : packed.offsets) {
    ids.push_back(test::oid(id));
    expected.push_back(offset);
  }
  std::reverse(ids.begin(), ids.end());  // not in the index's order
  std::reverse(expected.begin(), expected.end());
  ids.push_back(test::numbered_id(12345));  // in no pack
  ids.push_back(ids.front());               // given twice
  expected.push_back(expected.front());
  for (uint32_t per_read : {1u, 3u, 32768u}) {
    INFO("entries per read: " << per_read);
    auto offsets = git::offsets_in_index(packed.index_path.string(), ids, per_read);
    REQUIRE(offsets.size() == ids.size());
    for (size_t i = 0; i + 2 < ids.size(); ++i) CHECK(offsets[i] == expected[i]);
    CHECK_FALSE(offsets[ids.size() - 2]);
    CHECK(offsets.back() == expected.back());
  }
  // A damaged index: nothing found, nothing read past its end.
  std::ifstream in(packed.index_path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  test::TempDir dir;
  for (const std::string& damaged : {bytes.substr(0, bytes.size() / 2), bytes.substr(0, 500), std::string("\377tOc")}) {
    auto offsets = git::offsets_in_index(dir.write("damaged.idx", damaged), ids, 3);
    CHECK(std::none_of(offsets.begin(), offsets.end(), [](const auto& offset) { return offset.has_value(); }));
  }
  CHECK(git::offsets_in_index(dir.str() + "/missing.idx", ids).size() == ids.size());
}
