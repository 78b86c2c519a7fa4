#include "detect/confusable_detector.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <string>

#include "detect/file_kind.h"

namespace refguard::detect {

namespace {

struct SpoofCheckerDeleter {
  void operator()(USpoofChecker* checker) const noexcept { uspoof_close(checker); }
};
using SpoofChecker = std::unique_ptr<USpoofChecker, SpoofCheckerDeleter>;

constexpr size_t kMaxIdentifierBytes = 256;

struct Identifier {
  std::string_view text;
  uint32_t column;  // 1-based, in bytes
};

bool is_ident_start(UChar32 c) { return c == '_' || c == '$' || u_hasBinaryProperty(c, UCHAR_XID_START); }
bool is_ident_continue(UChar32 c) { return c == '$' || u_hasBinaryProperty(c, UCHAR_XID_CONTINUE); }

// Languages whose line comments start with '#'.
bool hash_comments(std::string_view path) {
  for (std::string_view ext : {".py", ".pyi", ".pyw", ".rb", ".sh", ".bash", ".zsh", ".pl", ".pm", ".r", ".R",
                               ".jl", ".ex", ".exs", ".nim", ".cr", ".tf", ".hcl", ".cmake", ".mk", ".ps1"})
    if (path.ends_with(ext)) return true;
  return path.ends_with("Makefile") || path.ends_with("CMakeLists.txt") || path.ends_with("Dockerfile");
}

// Identifiers holding a non-ASCII character, outside strings and comments
// (as far as one line shows them: a block comment's continuation lines,
// starting with "*", are skipped).
std::vector<Identifier> identifiers(std::string_view line, bool hash) {
  std::vector<Identifier> out;
  std::string_view trimmed = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
  if (trimmed.starts_with("*") || trimmed.starts_with("/*") || trimmed.starts_with("<!--")) return out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(line.data());
  const auto length = static_cast<int32_t>(std::min<size_t>(line.size(), 1 << 20));
  int32_t i = 0;
  char quote = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (quote) {
      // U8_FWD_1 reads bytes[i] before it checks the length: a backslash
      // that ends the buffer has nothing to escape.
      if (c == '\\' && i < length) U8_FWD_1(bytes, i, length);
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = static_cast<char>(c);
      continue;
    }
    if ((c == '/' && i < length && bytes[i] == '/') || (c == '#' && hash)) break;
    if (c == '/' && i < length && bytes[i] == '*') {
      std::string_view rest = line.substr(static_cast<size_t>(i));
      size_t close = rest.find("*/");
      if (close == std::string_view::npos) break;
      i += static_cast<int32_t>(close + 2);
      continue;
    }
    if (c < 0 || !is_ident_start(c)) continue;
    bool ascii = c < 0x80;
    while (i < length) {
      int32_t next = i;
      UChar32 d;
      U8_NEXT(bytes, next, length, d);
      if (d < 0 || !is_ident_continue(d)) break;
      ascii = ascii && d < 0x80;
      i = next;
    }
    auto size = static_cast<size_t>(i - start);
    if (!ascii && size <= kMaxIdentifierBytes)
      out.push_back({line.substr(static_cast<size_t>(start), size), static_cast<uint32_t>(start + 1)});
  }
  return out;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// True when `name` occurs in `content` as a whole ASCII identifier.
bool used_as_identifier(std::string_view content, std::string_view name) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
  for (size_t at = content.find(name); at != std::string_view::npos; at = content.find(name, at + 1)) {
    bool starts = at == 0 || !word(content[at - 1]);
    bool ends = at + name.size() == content.size() || !word(content[at + name.size()]);
    if (starts && ends) return true;
  }
  return false;
}

struct Scripts {
  bool latin = false;
  int others = 0;          // distinct non-Latin scripts
  UScriptCode other = USCRIPT_INVALID_CODE;
  UChar32 first_other = 0;  // the first letter of a non-Latin script
  int letters = 0;
};

Scripts scripts_of(std::string_view text) {
  Scripts scripts;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) continue;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &status);
    if (U_FAILURE(status) || script == USCRIPT_COMMON || script == USCRIPT_INHERITED) continue;
    ++scripts.letters;
    if (script == USCRIPT_LATIN) {
      scripts.latin = true;
    } else if (script != scripts.other) {
      if (scripts.other == USCRIPT_INVALID_CODE) scripts.first_other = c;
      scripts.other = script;
      ++scripts.others;
    }
  }
  return scripts;
}

std::string char_label(UChar32 c) {
  char name[128];
  UErrorCode status = U_ZERO_ERROR;
  int32_t size = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof name, &status);
  std::string label = fmt::format("U+{:04X}", static_cast<uint32_t>(c));
  if (U_SUCCESS(status) && size > 0) label += " " + std::string(name, static_cast<size_t>(size));
  return label;
}

class ConfusableDetector final : public Detector {
 public:
  explicit ConfusableDetector(SpoofChecker checker) : checker_(std::move(checker)) {}

  std::optional<PrefilterSpec> prefilter() const override { return PrefilterSpec{R"([^\x00-\x7f])", {}}; }
  bool wants_lines() const override { return true; }
  bool may_report_at(std::string_view path) const override {
    return is_source_code_path(path) || may_be_script_path(path);
  }

  void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates, std::vector<Hit>& hits) const override {
    if (file.output || !(is_source_code_path(file.path) || has_shebang(file.content))) return;
    const bool hash = hash_comments(file.path);
    for (uint32_t index : candidates) {
      const AddedLine& line = file.added[index];
      for (const Identifier& identifier : identifiers(line.text, hash)) {
        std::string detail = judge(file, identifier);
        if (detail.empty()) continue;
        Hit hit;
        hit.line = line.number;
        hit.detail = std::move(detail);
        hits.push_back(std::move(hit));
        break;  // one per line
      }
    }
  }

 private:
  std::string skeleton(std::string_view text) const {
    char buffer[4 * kMaxIdentifierBytes];
    UErrorCode status = U_ZERO_ERROR;
    int32_t size = uspoof_getSkeletonUTF8(checker_.get(), 0, text.data(), static_cast<int32_t>(text.size()), buffer,
                                          sizeof buffer, &status);
    if (U_FAILURE(status) || size < 0) return {};
    return std::string(buffer, static_cast<size_t>(size));
  }

  // "" when the identifier is fine, else what is wrong with it.
  std::string judge(const FileView& file, const Identifier& identifier) const {
    Scripts scripts = scripts_of(identifier.text);
    if (scripts.others == 0) return {};  // Latin (and Common) only: accents, "ı"
    std::string looks_like = skeleton(identifier.text);
    if (looks_like.empty() || !is_ascii(looks_like)) return {};
    if (scripts.latin || scripts.others > 1)
      return fmt::format("identifier '{}' at column {} mixes scripts and reads as '{}' ({})", identifier.text,
                         identifier.column, looks_like, char_label(scripts.first_other));
    if (scripts.letters >= 2 && used_as_identifier(file.content, looks_like))
      return fmt::format("identifier '{}' at column {} looks the same as '{}', used in this file ({})", identifier.text,
                         identifier.column, looks_like, char_label(scripts.first_other));
    return {};
  }

  SpoofChecker checker_;
};

}  // namespace

std::unique_ptr<Detector> make_confusable_detector(DetectorParams& params) {
  UErrorCode status = U_ZERO_ERROR;
  SpoofChecker checker(uspoof_open(&status));
  if (U_SUCCESS(status)) uspoof_setChecks(checker.get(), USPOOF_CONFUSABLE, &status);
  if (U_FAILURE(status) || !checker) {
    params.error("type", fmt::format("ICU's spoof checker could not be opened: {}", u_errorName(status)));
    return nullptr;
  }
  return std::make_unique<ConfusableDetector>(std::move(checker));
}

}  // namespace refguard::detect
