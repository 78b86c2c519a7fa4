// The pack-index readers: the one that lists a quarantine pack's leading
// commits (git/pack_commits.h), and the streamed lookup of offsets that
// orders a scan's blob reads (git/pack_index.h offsets_in_index). Input: a
// 4-byte little-endian length, that many bytes of index, then the pack.
// Properties: no crash or overrun on any input; every id listed is one of the
// index's ids; never more than the limit; a smaller limit lists nothing or the
// same; on an index whose names are sorted, the streamed lookup (a few
// entries per read) finds the offsets the whole-index reader finds.
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "fuzz_support.h"
#include "git/pack_commits.h"
#include "git/pack_index.h"

namespace {

// The index as a file (offsets_in_index reads files): one per process, rewritten per input.
std::string index_file(const std::string& bytes) {
  static const std::string path = "/tmp/fuzz_pack_index." + std::to_string(::getpid()) + ".idx";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  for (size_t done = 0; done < bytes.size();) {
    ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote <= 0) std::abort();
    done += static_cast<size_t>(wrote);
  }
  ::close(fd);
  return path;
}

void check_streamed_offsets(const std::string& index_bytes) {
  using refguard::git::ObjectId;
  auto whole = refguard::git::PackIndex::parse(index_bytes);
  std::vector<ObjectId> ids;
  if (whole)
    for (uint32_t i = 0; i < whole->count() && ids.size() < 16; i += 1 + whole->count() / 16) {
      git_oid oid;
      std::memcpy(oid.id, whole->id(i), 20);
      ids.emplace_back(oid);
    }
  git_oid absent;
  std::memset(absent.id, 0x5a, 20);
  ids.emplace_back(absent);
  auto streamed = refguard::git::offsets_in_index(index_file(index_bytes), ids, 3);
  FUZZ_CHECK(streamed.size() == ids.size(), "one answer per id");
  if (!whole) {
    for (const auto& offset : streamed) FUZZ_CHECK(!offset, "a refused index finds nothing");
    return;
  }
  bool sorted = true;  // binary search and the streamed merge agree only then
  for (uint32_t i = 1; i < whole->count() && sorted; ++i) sorted = std::memcmp(whole->id(i - 1), whole->id(i), 20) < 0;
  for (uint32_t i = 0; i < whole->count() && sorted; ++i) {  // and the fan-out leads binary search to each
    git_oid oid;
    std::memcpy(oid.id, whole->id(i), 20);
    sorted = whole->find(oid) == i;
  }
  if (!sorted) return;
  for (size_t k = 0; k < ids.size(); ++k) {
    auto entry = whole->find(*ids[k].get());
    std::optional<uint64_t> expected = entry ? whole->offset(*entry) : std::nullopt;
    FUZZ_CHECK(streamed[k] == expected, "the streamed lookup finds what the whole index says");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t index_size = 0;
  std::memcpy(&index_size, data, 4);
  std::string_view rest(reinterpret_cast<const char*>(data) + 4, size - 4);
  if (index_size > rest.size()) index_size = static_cast<uint32_t>(rest.size());
  // Copies, so that ASan sees a read past either buffer.
  const std::string index(rest.substr(0, index_size));
  const std::string pack(rest.substr(index_size));

  check_streamed_offsets(index);
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
