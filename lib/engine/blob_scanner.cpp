#include "engine/blob_scanner.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <tuple>

#include "detect/decoded_text.h"
#include "detect/media_sniff.h"
#include "detect/notebook.h"
#include "engine/inline_allow.h"
#include "util/mask.h"
#include "util/stable_hash.h"
#include "util/text.h"

namespace refguard::engine {

namespace {

struct LineIndex {
  const std::vector<detect::AddedLine>* lines;
  std::string_view text_of(uint32_t number) const {
    if (number == 0 || number > lines->size()) return {};
    return (*lines)[number - 1].text;
  }
};

class BlobScan {
 public:
  explicit BlobScan(const CompiledPolicy& policy) : policy_(policy) {}

  /// Maps a hit's line in a decoded view (a notebook cell) to a line of the raw
  /// file and a description ("cell 3, line 2"); identity for plain files.
  // The offending line, trimmed and cut at kMaxCodeExcerpt columns, in backticks.
  static std::string code_excerpt(std::string_view line) {
    constexpr size_t kMaxCodeExcerpt = 100;
    size_t start = line.find_first_not_of(" \t");
    size_t end = line.find_last_not_of(" \t\r");
    if (start == std::string_view::npos) return {};
    line = line.substr(start, end - start + 1);
    if (line.size() <= kMaxCodeExcerpt) return "`" + std::string(line) + "`";
    return "`" + std::string(line.substr(0, utf8_cut(line, kMaxCodeExcerpt))) + "…`";
  }

  using LineMapper = std::function<std::pair<uint32_t, std::string>(const detect::Hit&, std::string_view line_text)>;

  void add(size_t rule_index, const std::vector<detect::Hit>& hits, const LineIndex* lines, std::string_view where,
           const LineMapper* mapper = nullptr) {
    const CompiledRule& rule = policy_.rules()[rule_index];
    for (const auto& hit : hits) {
      std::string_view line_text = lines ? lines->text_of(hit.line) : std::string_view();
      if (rule.allowlist.allows_text(hit.secret.empty() ? line_text : std::string_view(hit.secret))) continue;
      BlobFinding finding;
      // Kept and marked, not dropped: whether the allow silences it depends
      // on locks, which the push decides (engine/inline_allow.h).
      if (!line_text.empty())
        finding.inline_allow = judge_inline_allow(read_inline_allows(line_text), rule.spec.id, finding.allow_names);
      finding.rule = static_cast<uint32_t>(rule_index);
      finding.line = hit.line;
      finding.severity = hit.severity.value_or(rule.spec.action == policy::Action::kWarn ? detect::Severity::kWarn
                                                                                          : detect::Severity::kBlock);
      if (!hit.secret.empty()) {
        // Code (an unsafe call) is shown as written; a credential never is.
        if (!hit.code) finding.masked = mask_secret(hit.secret);
        finding.secret_hash = stable_hash(hit.secret);
      }
      finding.detail = hit.code ? code_excerpt(line_text.empty() ? std::string_view(hit.secret) : line_text) : hit.detail;
      finding.where = hit.where.empty() ? std::string(where) : hit.where;
      if (mapper) std::tie(finding.line, finding.where) = (*mapper)(hit, line_text);
      findings_.push_back(std::move(finding));
    }
  }

  std::vector<BlobFinding> take() { return std::move(findings_); }

 private:
  const CompiledPolicy& policy_;
  std::vector<BlobFinding> findings_;
};

void scan_lines(const CompiledPolicy& policy, const std::vector<size_t>& rules, const detect::FileView& view,
                std::string_view where, BlobScan& scan, const BlobScan::LineMapper* mapper = nullptr) {
  // Per thread and reused: the lists keep their capacity from file to file.
  thread_local std::vector<std::vector<uint32_t>> candidates;
  thread_local std::vector<uint32_t> selected;
  policy.prefilter().candidates(view.content, view.added, candidates, &selected);
  LineIndex index{&view.added};
  thread_local std::vector<detect::Hit> hits;
  // Only entries with candidate lines (few), in rule order as `rules` is;
  // `rules` (ascending) says whether the rule looks at this file.
  for (uint32_t entry : selected) {
    size_t rule_index = policy.prefilter_rules()[entry];
    if (!std::binary_search(rules.begin(), rules.end(), rule_index)) continue;
    const CompiledRule& rule = policy.rules()[rule_index];
    const auto& lines = candidates[entry];
    hits.clear();
    rule.detector->scan_lines(view, lines, hits);
    if (!hits.empty()) scan.add(rule_index, hits, &index, where, mapper);
  }
}

// 1-based line of `offset` in `text`.
uint32_t line_of(std::string_view text, size_t offset) {
  return static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n') + 1);
}

// A notebook is JSON: line rules run on each cell's decoded source and
// outputs, so an escaped key is found and a base64 image is never scanned.
// Each finding points at the raw line holding it (so the commit's diff
// decides whether it is new) and says which cell. Returns false when the
// file does not parse; the caller then scans it as plain text.
bool scan_notebook(const CompiledPolicy& policy, const std::vector<size_t>& rules, const detect::FileView& raw,
                   BlobScan& scan) {
  auto chunks = detect::parse_notebook(raw.content);
  if (!chunks) return false;
  for (const auto& chunk : *chunks) {
    detect::FileView view = raw;
    view.content = chunk.text;
    view.added = split_lines(chunk.text);
    view.output = chunk.output || chunk.prose;  // not code: what a cell printed, or Markdown
    std::string cell = fmt::format("cell {}{}", chunk.cell, chunk.output ? " output" : "");
    BlobScan::LineMapper mapper = [&](const detect::Hit& hit, std::string_view line_text) {
      std::string needle = hit.secret.empty() ? std::string(line_text) : hit.secret;
      std::string escaped = nlohmann::json(needle).dump();
      escaped = escaped.substr(1, escaped.size() - 2);
      size_t at = escaped.empty() ? std::string_view::npos : raw.content.find(escaped);
      uint32_t raw_line = at == std::string_view::npos ? 0 : line_of(raw.content, at);
      return std::make_pair(raw_line, hit.line ? fmt::format("{}, line {}", cell, hit.line) : cell);
    };
    scan_lines(policy, rules, view, cell, scan, &mapper);
  }
  return true;
}

bool is_notebook(std::string_view path) { return path.size() > 6 && path.substr(path.size() - 6) == ".ipynb"; }

// Runs the line rules over text decoded from the blob (see detect/decoded_text.h).
// Findings point at `line` of the raw file (0: the file as a whole) and say
// where in the decoded text they are.
void scan_decoded(const CompiledPolicy& policy, const std::vector<size_t>& rules, const detect::FileView& raw,
                  std::string_view text, std::string_view label, uint32_t line, BlobScan& scan) {
  detect::FileView view = raw;
  view.content = text;
  view.added = split_lines(text);
  view.binary = false;
  view.decoded_from = label;
  BlobScan::LineMapper mapper = [&](const detect::Hit& hit, std::string_view) {
    return std::make_pair(line, hit.line && line == 0 ? fmt::format("{}, line {}", label, hit.line) : std::string(label));
  };
  scan_lines(policy, rules, view, label, scan, &mapper);
}

// Base64 runs long enough to hold a key, decoded when they are text
// (a Kubernetes Secret's data, a key pasted encoded); images and hashes
// decode to binary and are skipped.
// One pass over the whole file (runs never span lines: '\n' ends them),
// then one line-rule pass over every decoded run at once.
void scan_base64(const CompiledPolicy& policy, const std::vector<size_t>& rules, const detect::FileView& view,
                 BlobScan& scan) {
  auto runs = detect::base64_runs(view.content);
  if (runs.empty()) return;
  std::string decoded;
  struct Origin {
    uint32_t line;
    size_t column;
  };
  std::vector<Origin> origins;  // per line of `decoded`
  for (const auto& run : runs) {
    // The line holding the run: the last whose text starts at or before it.
    const char* at = view.content.data() + run.column;
    auto line = std::upper_bound(view.added.begin(), view.added.end(), at,
                                 [](const char* p, const detect::AddedLine& l) { return p < l.text.data(); });
    if (line == view.added.begin()) continue;
    --line;
    Origin origin{line->number, static_cast<size_t>(at - line->text.data()) + 1};
    for (char c : run.text)
      if (c == '\n') origins.push_back(origin);
    origins.push_back(origin);
    decoded += run.text;
    decoded += '\n';
  }
  detect::FileView decoded_view = view;
  decoded_view.content = decoded;
  decoded_view.added = split_lines(decoded);
  decoded_view.decoded_from = "base64";
  BlobScan::LineMapper mapper = [&](const detect::Hit& hit, std::string_view) {
    const Origin& origin = origins[std::min<size_t>(hit.line ? hit.line - 1 : 0, origins.size() - 1)];
    return std::make_pair(origin.line, fmt::format("base64 at column {}", origin.column));
  };
  scan_lines(policy, rules, decoded_view, "base64", scan, &mapper);
}

// What git calls binary: UTF-16 text is decoded whole; compressed media is
// left after a sniff of its first bytes; an archive's members are read (each
// judged by the rules for "ARCHIVE!/MEMBER"); anything else is searched in
// its printable runs, as strings(1) shows them.
void scan_binary(const CompiledPolicy& policy, const std::vector<size_t>& rules, const detect::FileView& view,
                 BlobScan& scan) {
  if (auto utf16 = detect::decode_utf16(view.content)) {
    scan_decoded(policy, rules, view, utf16->first, utf16->second, 0, scan);
    return;
  }
  // Compressed media (an image, a video, a font) holds no text to find: its
  // first bytes decide, and its body is not searched.
  if (detect::compressed_media_format(view.content.substr(0, 16))) return;
  if (!detect::looks_like_archive(view.content)) {
    std::string runs = detect::text_runs(view.content);
    scan_decoded(policy, rules, view, runs, "text in binary file", 0, scan);
    return;
  }
  detect::for_each_archive_member(view.content, [&](std::string_view raw_name, std::string_view bytes) {
    // A member's name is pushed content: printed to the pusher, so only
    // printable ASCII of it, and not too much.
    std::string name;
    for (char c : raw_name.substr(0, 200)) name += (c >= 0x20 && c < 0x7F) ? c : '?';
    std::string member_path = fmt::format("{}!/{}", view.path, name);
    auto member_rules = policy.rules_for_path(member_path);
    std::string label = fmt::format("archive member {}", name);
    detect::FileView member = view;
    member.path = member_path;
    if (!looks_binary(bytes)) {
      scan_decoded(policy, member_rules->if_not_ai, member, bytes, label, 0, scan);
    } else if (auto utf16 = detect::decode_utf16(bytes)) {
      scan_decoded(policy, member_rules->if_not_ai, member, utf16->first, label, 0, scan);
    } else {
      std::string runs = detect::text_runs(bytes);
      scan_decoded(policy, member_rules->if_not_ai, member, runs, label, 0, scan);
    }
  });
}

}  // namespace

std::vector<detect::AddedLine> split_lines(std::string_view text) {
  std::vector<detect::AddedLine> lines;
  uint32_t number = 1;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number++, line});
    start = end + 1;
  }
  return lines;
}

std::vector<BlobFinding> scan_blob(const CompiledPolicy& policy, std::string_view path, std::string_view blob_id,
                                   std::string_view content, bool binary) {
  detect::FileView view;
  view.path = path;
  view.blob_id = blob_id;
  view.content = content;
  view.binary = binary;
  auto path_rules = policy.rules_for_path(path);
  // Classifying by content is a regex pass over the whole file: only done
  // when the answer changes which rules apply here (some rule is ai_only).
  bool is_ai_script = path_rules->ai_path ||
                      (path_rules->content_decides && !binary && policy.classifier().uses_ai_sdk(content));
  const std::vector<size_t>& applicable = is_ai_script ? path_rules->if_ai : path_rules->if_not_ai;

  BlobScan scan(policy);
  std::vector<detect::Hit> hits;
  for (size_t rule_index : applicable) {
    hits.clear();
    policy.rules()[rule_index].detector->scan_file(view, hits);
    if (!hits.empty()) scan.add(rule_index, hits, nullptr, "");
  }
  if (binary) {
    scan_binary(policy, applicable, view, scan);
    return scan.take();
  }
  if (is_notebook(path) && scan_notebook(policy, applicable, view, scan)) return scan.take();
  view.added = split_lines(content);
  scan_lines(policy, applicable, view, "", scan);
  scan_base64(policy, applicable, view, scan);
  return scan.take();
}

}  // namespace refguard::engine
