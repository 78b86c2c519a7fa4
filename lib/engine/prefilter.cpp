#include "engine/prefilter.h"

#include <fmt/format.h>

#include <algorithm>
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

struct ScratchDeleter {
  void operator()(hs_scratch_t* scratch) const noexcept { hs_free_scratch(scratch); }
};

// One scratch per thread. hs_alloc_scratch checksums the whole database on
// every call, so it runs only when this thread meets a database it has not
// sized its scratch for last (growing the scratch to fit).
struct ThreadScratch {
  std::unique_ptr<hs_scratch_t, ScratchDeleter> scratch;
  const hs_database_t* sized_for = nullptr;
};

hs_scratch_t* thread_scratch(const hs_database_t* database, bool force_resize = false) {
  thread_local ThreadScratch local;
  if (local.scratch && local.sized_for == database && !force_resize) return local.scratch.get();
  hs_scratch_t* raw = local.scratch.release();
  if (hs_alloc_scratch(database, &raw) != HS_SUCCESS) {
    local.sized_for = nullptr;
    local.scratch.reset(raw);
    return nullptr;
  }
  local.scratch.reset(raw);
  local.sized_for = database;
  return raw;
}

struct ScanState {
  const std::vector<std::pair<uint32_t, bool>>* owners;
  const std::vector<size_t>* line_ends;  // offset just past each line, ascending
  std::vector<std::vector<uint32_t>>* regex_lines;
  std::vector<std::vector<uint32_t>>* keyword_lines;
};

int on_match(unsigned int id, unsigned long long, unsigned long long to, unsigned int, void* context) {
  auto& state = *static_cast<ScanState*>(context);
  const auto& ends = *state.line_ends;
  // The line holding the match's last byte; a line's newline belongs to it, so
  // a pattern that consumes the character after a key still finds its line.
  size_t last = to == 0 ? 0 : static_cast<size_t>(to) - 1;
  auto it = std::lower_bound(ends.begin(), ends.end(), last);
  if (it == ends.end()) return 0;
  auto line = static_cast<uint32_t>(it - ends.begin());
  auto [entry, keyword] = (*state.owners)[id];
  auto& lines = keyword ? (*state.keyword_lines)[entry] : (*state.regex_lines)[entry];
  if (lines.empty() || lines.back() != line) lines.push_back(line);  // sorted and deduplicated after the scan
  return 0;
}

std::vector<uint32_t> intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

Prefilter::~Prefilter() { hs_free_database(database_); }

namespace {

struct PatternList {
  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
  std::vector<std::pair<uint32_t, bool>> owners;  // (entry, is_keyword)
};

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
    if (entries[i].spec.regex.find('$') != std::string::npos) regex_ok[i] = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<Prefilter> prefilter(new Prefilter());
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
    if (list.patterns.empty()) return prefilter;
    std::string why;
    prefilter->database_ = compile_all(list, &why);
    if (prefilter->database_) return prefilter;
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

void Prefilter::candidates(std::string_view content, const std::vector<detect::AddedLine>& lines,
                           std::vector<std::vector<uint32_t>>& candidates) const {
  size_t count = entries_.size();
  candidates.assign(count, {});
  std::vector<std::vector<uint32_t>> regex_lines(count), keyword_lines(count);
  if (database_ && !lines.empty()) {
    std::vector<size_t> line_ends;
    line_ends.reserve(lines.size());
    for (const auto& line : lines)
      line_ends.push_back(static_cast<size_t>(line.text.data() - content.data()) + line.text.size());
    size_t begin = static_cast<size_t>(lines.front().text.data() - content.data());
    size_t end = line_ends.back();
    // Offsets the callback sees are relative to `begin`; shift the line ends to match.
    for (auto& e : line_ends) e -= begin;
    ScanState state{&pattern_owner_, &line_ends, &regex_lines, &keyword_lines};
    auto scan = [&](hs_scratch_t* scratch) {
      return scratch ? hs_scan(database_, content.data() + begin, static_cast<unsigned>(end - begin), 0, scratch,
                               on_match, &state)
                     : HS_NOMEM;
    };
    hs_error_t status = scan(thread_scratch(database_));
    if (status == HS_INVALID || status == HS_NOMEM) {
      // A database freed and another allocated at the same address: resize and retry once.
      for (auto& list : regex_lines) list.clear();
      for (auto& list : keyword_lines) list.clear();
      status = scan(thread_scratch(database_, true));
    }
    if (status != HS_SUCCESS) {
      // Never drop a line on a prefilter failure: fall back to checking every line.
      for (size_t i = 0; i < count; ++i) {
        candidates[i].resize(lines.size());
        for (uint32_t l = 0; l < lines.size(); ++l) candidates[i][l] = l;
      }
      return;
    }
  }
  // Matches of different patterns need not arrive in line order.
  for (auto* lists : {&regex_lines, &keyword_lines})
    for (auto& lines_of_entry : *lists) {
      std::sort(lines_of_entry.begin(), lines_of_entry.end());
      lines_of_entry.erase(std::unique(lines_of_entry.begin(), lines_of_entry.end()), lines_of_entry.end());
    }
  std::vector<uint32_t> all_lines;
  for (size_t i = 0; i < count; ++i) {
    const auto& state = entries_[i];
    if (state.regex_in_db && state.has_keywords) candidates[i] = intersect(regex_lines[i], keyword_lines[i]);
    else if (state.regex_in_db) candidates[i] = std::move(regex_lines[i]);
    else if (state.has_keywords) candidates[i] = std::move(keyword_lines[i]);
    else {
      if (all_lines.empty())
        for (uint32_t l = 0; l < lines.size(); ++l) all_lines.push_back(l);
      candidates[i] = all_lines;
    }
  }
}

}  // namespace refguard::engine
