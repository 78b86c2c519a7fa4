// Tree objects walked in their stored bytes (git/raw_tree.h): pushed content
// an attacker writes with `git hash-object -t tree --literally`. Properties:
// no crash or overrun on any input; every entry's name and id lie inside the
// input, in order, and no name is empty, "." or ".." or holds a '/'; git's
// tree order is antisymmetric and reflexive on what was read; the cursor ends
// either at the last byte or with a reason.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "git/raw_tree.h"

using namespace refguard::git;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);  // a copy: ASan sees a read past it
  const char* begin = bytes.data();
  const char* end = bytes.data() + bytes.size();

  std::vector<RawTreeEntry> entries;
  TreeCursor cursor(bytes);
  const char* last_end = begin;
  for (; !cursor.done(); cursor.advance()) {
    const RawTreeEntry& entry = cursor.entry();
    FUZZ_CHECK(entry.name.data() > last_end && entry.name.data() + entry.name.size() + 1 + GIT_OID_RAWSZ <= end,
               "an entry lies inside the input, after the one before it");
    FUZZ_CHECK(!entry.name.empty() && entry.name != "." && entry.name != ".." &&
                   entry.name.find('/') == std::string_view::npos && entry.name.find('\0') == std::string_view::npos,
               "no entry has a name git fsck refuses");
    FUZZ_CHECK(entry.mode <= 0xFFFF, "a mode fits 16 bits");
    last_end = entry.name.data() + entry.name.size() + 1 + GIT_OID_RAWSZ;
    entries.push_back(entry);
  }
  FUZZ_CHECK(!cursor.error().empty() || last_end == end, "a walk without an error read every byte");
  for (size_t i = 0; i < entries.size(); ++i) {
    FUZZ_CHECK(compare_tree_entries(entries[i], entries[i]) == 0, "an entry orders equal to itself");
    if (i == 0) continue;
    int forward = compare_tree_entries(entries[i - 1], entries[i]);
    int backward = compare_tree_entries(entries[i], entries[i - 1]);
    FUZZ_CHECK((forward < 0) == (backward > 0) && (forward == 0) == (backward == 0), "the order is antisymmetric");
  }
  return 0;
}
