#pragma once
// One pass over a file's bytes for every line rule of a policy (Vectorscan,
// Hyperscan's portable fork): each rule's regex compiled in prefilter mode,
// plus each rule's keywords as caseless literals, in one database. The pass
// yields, per rule, the lines worth confirming with RE2, which stays the
// source of truth. A pattern Vectorscan rejects falls back to its keywords,
// or to every line when it has none; compile() says which.
#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "util/error.h"

namespace refguard::engine {

namespace prefilter_internal {
struct ScanBuffers;       // per-thread working lists (prefilter.cpp)
class ScanBuffersLease;   // a scan's use of them
}  // namespace prefilter_internal

class Prefilter {
 public:
  struct Entry {
    size_t rule;  // index the caller uses for this rule
    detect::PrefilterSpec spec;
  };

  /// Builds the database. `notes` receives one line per pattern that fell back.
  static Expected<std::shared_ptr<const Prefilter>> compile(const std::vector<Entry>& entries,
                                                            std::vector<std::string>& notes);
  ~Prefilter();
  Prefilter(const Prefilter&) = delete;
  Prefilter& operator=(const Prefilter&) = delete;

  /// For a file whose lines are contiguous views into `content` (in order),
  /// fills `candidates[entry]` with the indexes of lines each entry must
  /// look at. `selected`, when given, receives the entries with at least one
  /// candidate line, in ascending order. Thread-safe (scratch space is per thread).
  void candidates(std::string_view content, const std::vector<detect::AddedLine>& lines,
                  std::vector<std::vector<uint32_t>>& candidates, std::vector<uint32_t>* selected = nullptr) const;

  size_t entry_count() const { return entries_.size(); }
  /// Bytes the compiled database takes (hs_database_size).
  size_t database_bytes() const;

 private:
  using ScanBuffers = prefilter_internal::ScanBuffers;
  using ScanBuffersLease = prefilter_internal::ScanBuffersLease;
  Prefilter() = default;
  bool match_lines(std::string_view content, const std::vector<detect::AddedLine>& lines,
                   ScanBuffersLease& buffers) const;
  void combine_matches(ScanBuffers& buffers, std::vector<std::vector<uint32_t>>& candidates,
                       std::vector<uint32_t>* selected) const;
  struct EntryState {
    bool regex_in_db = false;     // else every line passes the regex test
    bool has_keywords = false;
  };
  hs_database_t* database_ = nullptr;
  uint64_t serial_ = 0;  // unique per database built in this process: per-thread scratch is keyed by it
  std::vector<EntryState> entries_;
  std::vector<size_t> every_line_entries_;  // neither a regex in the database nor keywords
  // pattern id -> (entry, is_keyword)
  std::vector<std::pair<uint32_t, bool>> pattern_owner_;
};

}  // namespace refguard::engine
