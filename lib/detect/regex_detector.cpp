#include "detect/regex_detector.h"

#include <re2/re2.h>

#include "util/entropy.h"

namespace refguard::detect {

namespace {

// True when the text right after a secret (at `end` in `line`) masks the rest
// of it: "xoxb-1234-5678-####", "AIza…", "sk_live_abc***". A value cut short
// by a redaction mark is a documentation sample, never a working key, and
// the mark cannot be part of any format these rules describe. One separator
// ("-", "_", ".") may come first.
bool masked_after(std::string_view line, size_t end) {
  std::string_view rest = line.substr(std::min(end, line.size()));
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '_' || rest.front() == '.')) rest.remove_prefix(1);
  if (rest.empty()) return false;
  // Three or more: "**key**" is Markdown bold around a real value.
  if (rest.starts_with("###") || rest.starts_with("***")) return true;
  // U+2026 HORIZONTAL ELLIPSIS, U+2022 BULLET (password dots).
  return rest.starts_with("\xE2\x80\xA6") || rest.starts_with("\xE2\x80\xA2");
}

class RegexDetector final : public Detector {
 public:
  RegexDetector(std::unique_ptr<RE2> regex, std::unique_ptr<RE2> unless, std::vector<std::string> keywords,
                int secret_group, double min_entropy, bool code, bool first_only)
      : regex_(std::move(regex)),
        unless_(std::move(unless)),
        keywords_(std::move(keywords)),
        secret_group_(secret_group),
        min_entropy_(min_entropy),
        code_(code),
        first_only_(first_only) {}

  std::optional<PrefilterSpec> prefilter() const override { return PrefilterSpec{regex_->pattern(), keywords_}; }
  bool wants_lines() const override { return true; }
  bool may_report_at(std::string_view path) const override {
    return !path_regex_ || RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *path_regex_);
  }
  void set_path_regex(std::unique_ptr<RE2> regex) { path_regex_ = std::move(regex); }

  void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates, std::vector<Hit>& hits) const override {
    const size_t before = hits.size();
    for (uint32_t index : candidates) {
      scan_line(file.added[index], hits);
      if (first_only_ && hits.size() > before) {
        hits.resize(before + 1);
        return;
      }
    }
  }

 private:
  void scan_line(const AddedLine& line, std::vector<Hit>& hits) const {
    const size_t before = hits.size();
    find(line, hits);
    // RE2 has no lookaround; `unless` says "but not on a line that also matches this".
    // Checked only when the line has hits (the rare case), then drops them all.
    if (hits.size() > before && unless_ &&
        RE2::PartialMatch(re2::StringPiece(line.text.data(), line.text.size()), *unless_))
      hits.erase(hits.begin() + static_cast<std::ptrdiff_t>(before), hits.end());
  }

  void find(const AddedLine& line, std::vector<Hit>& hits) const {
    const int groups = regex_->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> match(static_cast<size_t>(groups) + 1);
    re2::StringPiece text(line.text.data(), line.text.size());
    size_t position = 0;
    while (position <= text.size() &&
           regex_->Match(text, position, text.size(), RE2::UNANCHORED, match.data(), groups + 1)) {
      const re2::StringPiece& whole = match[0];
      const re2::StringPiece& secret = match[static_cast<size_t>(secret_group_)];
      size_t end = static_cast<size_t>(whole.data() - text.data()) + whole.size();
      position = whole.empty() ? end + 1 : end;
      if (secret.data() == nullptr || secret.empty()) continue;
      std::string_view value(secret.data(), secret.size());
      if (min_entropy_ > 0 && shannon_entropy(value) < min_entropy_) continue;
      if (masked_after(line.text, static_cast<size_t>(secret.data() - text.data()) + secret.size())) continue;
      Hit hit;
      hit.line = line.number;
      hit.secret = std::string(value);
      hit.code = code_;
      hits.push_back(std::move(hit));
    }
  }

  std::unique_ptr<RE2> regex_;
  std::unique_ptr<RE2> unless_;  // may be null
  std::vector<std::string> keywords_;
  int secret_group_;
  double min_entropy_;
  bool code_;
  bool first_only_;
  std::unique_ptr<RE2> path_regex_;  // may be null
};

}  // namespace

std::unique_ptr<Detector> make_regex_detector(DetectorParams& params) {
  auto pattern = params.string("pattern", true);
  auto keywords = params.strings("keywords");
  auto group = params.integer("secret_group");
  auto entropy = params.number("min_entropy");
  auto unless_pattern = params.string("unless");
  bool code = params.boolean("code").value_or(false);
  auto first_only = params.boolean("first_only");
  auto path_pattern = params.string("path_pattern");
  if (!pattern) return nullptr;
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_unique<RE2>(*pattern, options);
  if (!regex->ok()) {
    params.error("pattern", "RE2 rejects it: " + regex->error());
    return nullptr;
  }
  std::unique_ptr<RE2> unless;
  if (unless_pattern) {
    unless = std::make_unique<RE2>(*unless_pattern, options);
    if (!unless->ok()) {
      params.error("unless", "RE2 rejects it: " + unless->error());
      return nullptr;
    }
  }
  int groups = regex->NumberOfCapturingGroups();
  int secret_group = group ? static_cast<int>(*group) : (groups > 0 ? 1 : 0);
  if (secret_group < 0 || secret_group > groups) {
    params.error("secret_group", "must be between 0 and the pattern's " + std::to_string(groups) + " groups");
    return nullptr;
  }
  if (entropy && (*entropy < 0 || *entropy > 8)) {
    params.error("min_entropy", "must be between 0 and 8 bits per character");
    return nullptr;
  }
  for (const auto& keyword : keywords)
    if (keyword.empty()) params.error("keywords", "must not hold an empty keyword");
  auto detector = std::make_unique<RegexDetector>(std::move(regex), std::move(unless), std::move(keywords), secret_group,
                                                  entropy.value_or(0), code, first_only.value_or(false));
  if (path_pattern) {
    auto path_regex = std::make_unique<RE2>(*path_pattern, options);
    if (!path_regex->ok()) {
      params.error("path_pattern", "RE2 rejects it: " + path_regex->error());
      return nullptr;
    }
    detector->set_path_regex(std::move(path_regex));
  }
  return detector;
}

}  // namespace refguard::detect
