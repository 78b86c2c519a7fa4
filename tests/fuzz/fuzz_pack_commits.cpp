// The pack-index reader that lists a quarantine pack's leading commits
// (git/pack_commits.h). Input: a 4-byte little-endian length, that many
// bytes of index, then the pack. Properties: no crash or overrun on any
// input; every id listed is one of the index's ids; never more than the
// limit; a smaller limit lists nothing or the same.
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "git/pack_commits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t index_size = 0;
  std::memcpy(&index_size, data, 4);
  std::string_view rest(reinterpret_cast<const char*>(data) + 4, size - 4);
  if (index_size > rest.size()) index_size = static_cast<uint32_t>(rest.size());
  // Copies, so that ASan sees a read past either buffer.
  const std::string index(rest.substr(0, index_size));
  const std::string pack(rest.substr(index_size));

  auto commits = refguard::git::leading_commits(index, pack, 1000);
  FUZZ_CHECK(commits.size() <= 1000, "at most the limit");
  std::set<std::string> in_index;
  constexpr size_t kIds = 8 + 256 * 4;
  for (size_t at = kIds; at + 20 <= index.size(); at += 20) in_index.insert(index.substr(at, 20));
  for (const auto& id : commits)
    FUZZ_CHECK(in_index.count(std::string(reinterpret_cast<const char*>(id.id), 20)) == 1,
               "every id listed is in the index");
  if (!commits.empty()) {
    auto fewer = refguard::git::leading_commits(index, pack, commits.size() - 1);
    FUZZ_CHECK(fewer.empty(), "a limit below the count lists none");
  }
  return 0;
}
