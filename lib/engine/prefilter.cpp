#include "engine/prefilter.h"

#include "engine/prefilter_disk_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>

namespace refguard::engine {

namespace {

// Hyperscan syntax is PCRE's; escape a literal keyword for it.
std::string escape_literal(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c >= 0x80) out.push_back(static_cast<char>(c));
    else out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

// True when Vectorscan accepts the pattern alone (so one bad pattern cannot sink the database).
bool accepts(const std::string& pattern, unsigned flags, std::string* why) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error) == HS_SUCCESS) {
    hs_free_database(db);
    return true;
  }
  *why = error && error->message ? error->message : "unknown error";
  hs_free_compile_error(error);
  return false;
}

// True when `regex` (RE2 syntax) may use '$' as an end anchor: a '$' outside
// a bracket expression and not escaped. A '$' inside [...] or written \$ is
// a plain character, which Vectorscan matches exactly as RE2 does. \Q...\E
// quoting is not parsed: any '$' then counts.
bool has_end_anchor(std::string_view regex) {
  if (regex.find('$') == std::string_view::npos) return false;
  if (regex.find("\\Q") != std::string_view::npos) return true;
  bool in_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c == '\\') {
      ++i;  // the escaped character is literal (inside a class too)
    } else if (in_class) {
      if (c == '[' && i + 1 < regex.size() && regex[i + 1] == ':') {
        size_t close = regex.find(":]", i + 2);  // [:alpha:] inside a class
        if (close == std::string_view::npos) return true;
        i = close + 1;
      } else if (c == ']') {
        in_class = false;
      }
    } else if (c == '[') {
      in_class = true;
      // A ']' right after '[' or '[^' is a member, not the end.
      if (i + 1 < regex.size() && regex[i + 1] == '^') ++i;
      if (i + 1 < regex.size() && regex[i + 1] == ']') ++i;
    } else if (c == '$') {
      return true;
    }
  }
  return in_class;  // malformed: be conservative
}

struct ScratchDeleter {
  void operator()(hs_scratch_t* scratch) const noexcept { hs_free_scratch(scratch); }
};

// One scratch per thread. hs_alloc_scratch checksums the whole database on
// every call, so it runs only when this thread meets a database it has not
// sized its scratch for last (growing the scratch to fit). Databases are
// told apart by a serial number, never by address: a policy freed and
// another compiled can reuse the address, and hs_scan checks only part of
// what a scratch must hold for a database, so a scratch sized for the old
// one could pass for the new one.
struct ThreadScratch {
  std::unique_ptr<hs_scratch_t, ScratchDeleter> scratch;
  uint64_t sized_for = 0;  // Prefilter serial; 0 = none
};

std::atomic<uint64_t> next_serial{1};

hs_scratch_t* thread_scratch(const hs_database_t* database, uint64_t serial, bool force_resize = false) {
  thread_local ThreadScratch local;
  if (local.scratch && local.sized_for == serial && !force_resize) return local.scratch.get();
  hs_scratch_t* raw = local.scratch.release();
  if (hs_alloc_scratch(database, &raw) != HS_SUCCESS) {
    local.sized_for = 0;
    local.scratch.reset(raw);
    return nullptr;
  }
  local.scratch.reset(raw);
  local.sized_for = serial;
  return raw;
}

}  // namespace

namespace prefilter_internal {

// Per-thread working lists, kept between calls so that a scan allocates
// nothing once they have grown to the files it sees. Between calls every
// list is empty; `touched` names the entries whose lists a scan filled.
struct ScanBuffers {
  std::vector<size_t> line_ends;
  std::vector<std::vector<uint32_t>> regex_lines, keyword_lines;
  std::vector<uint32_t> touched;
};

}  // namespace prefilter_internal

namespace {

using prefilter_internal::ScanBuffers;

constexpr size_t kKeepCapacity = 1 << 16;  // a list grown beyond this (a huge file) is freed after use

void empty_list(std::vector<uint32_t>& list) {
  if (list.capacity() > kKeepCapacity) std::vector<uint32_t>().swap(list);
  list.clear();
}

struct ScanState {
  const std::vector<std::pair<uint32_t, bool>>* owners;
  const std::vector<size_t>* line_ends;  // offset just past each line, ascending
  ScanBuffers* buffers;
  size_t hint = 0;  // the line of the previous match: matches mostly arrive in order
};

int on_match(unsigned int id, unsigned long long, unsigned long long to, unsigned int, void* context) {
  auto& state = *static_cast<ScanState*>(context);
  const auto& ends = *state.line_ends;
  // The line holding the match's last byte; a line's newline belongs to it, so
  // a pattern that consumes the character after a key still finds its line.
  size_t last = to == 0 ? 0 : static_cast<size_t>(to) - 1;
  size_t index = state.hint;
  if (index >= ends.size() || ends[index] < last || (index > 0 && ends[index - 1] >= last)) {
    auto it = std::lower_bound(ends.begin(), ends.end(), last);
    if (it == ends.end()) return 0;
    index = static_cast<size_t>(it - ends.begin());
    state.hint = index;
  }
  auto line = static_cast<uint32_t>(index);
  auto [entry, keyword] = (*state.owners)[id];
  auto& lines = keyword ? state.buffers->keyword_lines[entry] : state.buffers->regex_lines[entry];
  if (lines.empty()) state.buffers->touched.push_back(entry);
  if (lines.empty() || lines.back() != line) lines.push_back(line);  // sorted and deduplicated after the scan
  return 0;
}

}  // namespace

Prefilter::~Prefilter() { hs_free_database(database_); }

size_t Prefilter::database_bytes() const {
  size_t bytes = 0;
  if (database_ && hs_database_size(database_, &bytes) != HS_SUCCESS) return 0;
  return bytes;
}

namespace {

struct PatternList {
  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
  std::vector<std::pair<uint32_t, bool>> owners;  // (entry, is_keyword)
};

// Everything the database is a function of: Vectorscan's version, then each
// pattern with its flags, in id order (patterns are C strings: no NUL inside).
std::string compiler_inputs(const PatternList& list) {
  std::string inputs = std::string(hs_version()) + '\n';
  for (size_t i = 0; i < list.patterns.size(); ++i)
    inputs.append(std::to_string(list.flags[i])).append(1, ' ').append(list.patterns[i]).append(1, '\0');
  return inputs;
}

hs_database_t* compile_all(const PatternList& list, std::string* why) {
  std::vector<const char*> expressions;
  for (const auto& p : list.patterns) expressions.push_back(p.c_str());
  std::vector<unsigned> ids(list.patterns.size());
  for (unsigned i = 0; i < ids.size(); ++i) ids[i] = i;
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), list.flags.data(), ids.data(), static_cast<unsigned>(ids.size()),
                       HS_MODE_BLOCK, nullptr, &database, &error) == HS_SUCCESS)
    return database;
  *why = error && error->message ? error->message : "unknown error";
  hs_free_compile_error(error);
  return nullptr;
}

}  // namespace

Expected<std::shared_ptr<const Prefilter>> Prefilter::compile(const std::vector<Entry>& entries,
                                                             std::vector<std::string>& notes) {
  // MULTILINE: RE2 confirms line by line, where ^ and $ are line boundaries.
  constexpr unsigned kRegexFlags = HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE;
  // Try every regex in one database first (the common case, and compiling is
  // the expensive part); only if that fails, find the patterns at fault one by one.
  std::vector<bool> regex_ok(entries.size(), true);
  // RE2 sees lines without their "\r"; Vectorscan sees raw bytes, where "$"
  // would not match before "\r\n". Such patterns select lines by keywords.
  for (size_t i = 0; i < entries.size(); ++i)
    if (has_end_anchor(entries[i].spec.regex)) regex_ok[i] = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<Prefilter> prefilter(new Prefilter());
    prefilter->serial_ = next_serial.fetch_add(1);
    prefilter->entries_.resize(entries.size());
    PatternList list;
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& spec = entries[i].spec;
      auto& state = prefilter->entries_[i];
      if (!spec.regex.empty() && regex_ok[i]) {
        list.patterns.push_back(spec.regex);
        list.flags.push_back(kRegexFlags);
        list.owners.emplace_back(static_cast<uint32_t>(i), false);
        state.regex_in_db = true;
      }
      for (const auto& keyword : spec.keywords) {
        list.patterns.push_back(escape_literal(keyword));
        list.flags.push_back(HS_FLAG_CASELESS);
        list.owners.emplace_back(static_cast<uint32_t>(i), true);
      }
      state.has_keywords = !spec.keywords.empty();
    }
    prefilter->pattern_owner_ = std::move(list.owners);
    for (size_t i = 0; i < entries.size(); ++i)
      if (!prefilter->entries_[i].regex_in_db && !prefilter->entries_[i].has_keywords)
        prefilter->every_line_entries_.push_back(i);
    if (list.patterns.empty()) return prefilter;
    std::string why;
    std::string inputs = compiler_inputs(list);
    prefilter->database_ = load_prefilter_database(inputs);  // compiled by an earlier run (CLI only)
    if (prefilter->database_) return prefilter;
    prefilter->database_ = compile_all(list, &why);
    if (prefilter->database_) {
      store_prefilter_database(inputs, prefilter->database_);
      return prefilter;
    }
    if (attempt == 1) return fail("cannot build the one-pass prefilter: " + why);
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& spec = entries[i].spec;
      if (spec.regex.empty() || accepts(spec.regex, kRegexFlags, &why)) continue;
      regex_ok[i] = false;
      notes.push_back(fmt::format("rule #{}: the prefilter cannot take its pattern ({}); {}", entries[i].rule, why,
                                  spec.keywords.empty() ? "RE2 checks every line (slow)" : "its keywords select lines"));
    }
  }
  return fail("cannot build the one-pass prefilter");
}

namespace {

void every_line(size_t line_count, std::vector<uint32_t>& out) {
  out.resize(line_count);
  for (uint32_t l = 0; l < line_count; ++l) out[l] = l;
}

// Line i ends at line_ends[i], as offsets from the first line's start (the
// offsets the match callback sees).
void record_line_ends(std::string_view content, const std::vector<detect::AddedLine>& lines,
                      std::vector<size_t>& line_ends) {
  line_ends.clear();
  line_ends.reserve(lines.size());
  for (const auto& line : lines)
    line_ends.push_back(static_cast<size_t>(line.text.data() - content.data()) + line.text.size());
  size_t begin = static_cast<size_t>(lines.front().text.data() - content.data());
  for (auto& e : line_ends) e -= begin;
}

// Sorted, distinct line lists for an entry the database matched.
void sort_matches(std::vector<uint32_t>& regex, std::vector<uint32_t>& keyword) {
  // Matches of different patterns need not arrive in line order.
  for (auto* list : {&regex, &keyword}) {
    if (list->size() < 2) continue;
    if (!std::is_sorted(list->begin(), list->end())) std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
}

}  // namespace

namespace prefilter_internal {

// The per-thread buffers a scan fills, sized for `count` entries; on
// destruction (every return, an exception too) the lists this scan touched
// are emptied again and a huge file's line offsets are not kept.
class ScanBuffersLease {
 public:
  explicit ScanBuffersLease(size_t count) : buffers_(thread_buffers()) {
    if (buffers_.regex_lines.size() < count) buffers_.regex_lines.resize(count);
    if (buffers_.keyword_lines.size() < count) buffers_.keyword_lines.resize(count);
    rewind();  // no-op unless an earlier call ended by an exception
  }
  ~ScanBuffersLease() {
    rewind();
    if (buffers_.line_ends.capacity() > kKeepCapacity) std::vector<size_t>().swap(buffers_.line_ends);
  }
  ScanBuffersLease(const ScanBuffersLease&) = delete;
  ScanBuffersLease& operator=(const ScanBuffersLease&) = delete;

  ScanBuffers& get() { return buffers_; }
  void rewind() {
    for (uint32_t entry : buffers_.touched) {
      empty_list(buffers_.regex_lines[entry]);
      empty_list(buffers_.keyword_lines[entry]);
    }
    buffers_.touched.clear();
  }

 private:
  static ScanBuffers& thread_buffers() {
    thread_local ScanBuffers buffers;
    return buffers;
  }
  ScanBuffers& buffers_;
};

}  // namespace prefilter_internal

// One pass of the database over the lines' bytes; false when Vectorscan failed.
bool Prefilter::match_lines(std::string_view content, const std::vector<detect::AddedLine>& lines,
                            ScanBuffersLease& lease) const {
  if (!database_ || lines.empty()) return true;
  ScanBuffers& buffers = lease.get();
  record_line_ends(content, lines, buffers.line_ends);
  size_t begin = static_cast<size_t>(lines.front().text.data() - content.data());
  size_t length = buffers.line_ends.back();
  ScanState state{&pattern_owner_, &buffers.line_ends, &buffers};
  auto scan = [&](hs_scratch_t* scratch) {
    return scratch ? hs_scan(database_, content.data() + begin, static_cast<unsigned>(length), 0, scratch, on_match,
                             &state)
                   : HS_NOMEM;
  };
  hs_error_t status = scan(thread_scratch(database_, serial_));
  if (status == HS_INVALID || status == HS_NOMEM) {
    // A scratch that does not fit after all: resize and retry once.
    lease.rewind();
    state.hint = 0;
    status = scan(thread_scratch(database_, serial_, true));
  }
  return status == HS_SUCCESS;
}

// Per matched entry: the lines where its regex and (if any) a keyword matched.
void Prefilter::combine_matches(ScanBuffers& buffers, std::vector<std::vector<uint32_t>>& candidates,
                                std::vector<uint32_t>* selected) const {
  auto& touched = buffers.touched;
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint32_t i : touched) {
    auto &regex = buffers.regex_lines[i], &keyword = buffers.keyword_lines[i];
    sort_matches(regex, keyword);
    const auto& state = entries_[i];
    auto& out = candidates[i];
    if (state.regex_in_db && state.has_keywords)
      std::set_intersection(regex.begin(), regex.end(), keyword.begin(), keyword.end(), std::back_inserter(out));
    else if (state.regex_in_db)
      out.assign(regex.begin(), regex.end());
    else if (state.has_keywords)
      out.assign(keyword.begin(), keyword.end());
    if (selected && !out.empty()) selected->push_back(i);
  }
}

void Prefilter::candidates(std::string_view content, const std::vector<detect::AddedLine>& lines,
                           std::vector<std::vector<uint32_t>>& candidates, std::vector<uint32_t>* selected) const {
  size_t count = entries_.size();
  if (selected) selected->clear();
  candidates.resize(count);
  for (auto& list : candidates)
    if (!list.empty()) empty_list(list);
  ScanBuffersLease buffers(count);
  if (!match_lines(content, lines, buffers)) {
    buffers.rewind();
    // Never drop a line on a prefilter failure: fall back to checking every line.
    for (size_t i = 0; i < count; ++i) every_line(lines.size(), candidates[i]);
    if (selected)
      for (size_t i = 0; i < count; ++i) selected->push_back(static_cast<uint32_t>(i));
    return;
  }
  // Entries the database does not select lines for see every line.
  for (size_t i : every_line_entries_) every_line(lines.size(), candidates[i]);
  if (selected && !lines.empty())
    for (size_t i : every_line_entries_) selected->push_back(static_cast<uint32_t>(i));
  combine_matches(buffers.get(), candidates, selected);  // only entries with a match have anything to combine
  if (selected) std::sort(selected->begin(), selected->end());
}

}  // namespace refguard::engine
