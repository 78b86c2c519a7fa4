#include "detect/unicode_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "detect/file_kind.h"

namespace refguard::detect {

namespace {

enum Category : size_t { kTags, kBidi, kZeroWidth, kVariationSelectors, kCategoryCount };
constexpr std::array<std::string_view, kCategoryCount> kCategoryNames = {"tags", "bidi", "zero_width",
                                                                         "variation_selectors"};
constexpr size_t kMaxShownHidden = 40;

// ---- Decoding -------------------------------------------------------------

struct Char {
  char32_t code;
  uint32_t column;  // 1-based, in characters
};

constexpr char32_t kReplacement = 0xFFFD;

// Strict UTF-8: overlong forms, surrogates and truncated sequences decode to
// U+FFFD one byte at a time, so the scan always advances and never reads past the end.
std::vector<Char> decode(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  uint32_t column = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : lead >= 0xF5 ? 0 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    char32_t code = length == 1 ? lead : length == 2 ? lead & 0x1Fu : length == 3 ? lead & 0x0Fu : lead & 0x07u;
    for (size_t k = 1; k < length; ++k) {
      const auto next = i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
      if ((next & 0xC0) != 0x80) {
        length = 0;
        break;
      }
      code = (code << 6) | (next & 0x3Fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    if (length == 0 || overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      code = kReplacement;
      length = 1;
    }
    chars.push_back({code, ++column});
    i += length;
  }
  return chars;
}

// ---- Character classes ------------------------------------------------------
// Block ranges, not the full Unicode property tables: close enough to tell
// "between two Arabic letters" from "between two ASCII letters".

constexpr bool in(char32_t c, char32_t low, char32_t high) { return c >= low && c <= high; }

bool is_tag(char32_t c) { return in(c, 0xE0000, 0xE007F); }
bool is_bidi_mark(char32_t c) { return c == 0x200E || c == 0x200F || c == 0x061C; }
bool is_bidi(char32_t c) { return in(c, 0x202A, 0x202E) || in(c, 0x2066, 0x2069) || is_bidi_mark(c); }
// Zero-width and other invisible characters: joiners, word joiner, BOM,
// invisible math operators, the Hangul fillers (which render as nothing and
// are valid in JavaScript identifiers: the "invisible function name" attack),
// Khmer inherent vowels and the combining grapheme joiner.
bool is_hangul_filler(char32_t c) { return c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0; }
bool is_zero_width(char32_t c) {
  return in(c, 0x200B, 0x200D) || in(c, 0x2060, 0x2064) || c == 0xFEFF || c == 0x180E || c == 0x034F ||
         is_hangul_filler(c) || c == 0x17B4 || c == 0x17B5;
}
bool is_hangul(char32_t c) {
  return in(c, 0x1100, 0x11FF) || in(c, 0x3130, 0x318F) || in(c, 0xAC00, 0xD7AF) || in(c, 0xFFA0, 0xFFDC);
}
bool is_khmer(char32_t c) { return in(c, 0x1780, 0x17FF); }
bool is_variation_selector(char32_t c) { return in(c, 0xFE00, 0xFE0F) || in(c, 0xE0100, 0xE01EF); }

// Format characters that sit inside letter blocks but are not letters.
bool is_format(char32_t c) {
  return in(c, 0x0600, 0x0605) || c == 0x061C || c == 0x06DD || c == 0x070F || in(c, 0x0890, 0x0891) ||
         c == 0x08E2 || in(c, 0x180B, 0x180F) || c == 0xFEFF;
}

// Extended_Pictographic, approximately: what emoji ZWJ sequences are made of.
bool is_pictographic(char32_t c) {
  return c == 0x00A9 || c == 0x00AE || c == 0x203C || c == 0x2049 || c == 0x2122 || c == 0x2139 ||
         in(c, 0x2194, 0x21AA) || in(c, 0x231A, 0x23FF) || c == 0x24C2 || in(c, 0x25AA, 0x25FE) ||
         in(c, 0x2600, 0x27BF) || in(c, 0x2934, 0x2935) || in(c, 0x2B05, 0x2B55) || c == 0x3030 ||
         c == 0x303D || c == 0x3297 || c == 0x3299 || in(c, 0x1F000, 0x1FAFF);
}
bool is_keycap_base(char32_t c) { return (c >= '0' && c <= '9') || c == '#' || c == '*'; }

// Letters and marks of scripts whose spelling needs ZWJ/ZWNJ (Persian
// "می‌خواهم", Devanagari half forms, Sinhala, Mongolian).
bool is_joining_script(char32_t c) {
  if (is_format(c)) return false;
  return in(c, 0x0600, 0x08FF) || in(c, 0x0900, 0x0DFF) || in(c, 0x0F00, 0x109F) || in(c, 0x1780, 0x18AF) ||
         in(c, 0xA8E0, 0xA8FF) || in(c, 0xA9E0, 0xAA7F) || in(c, 0xFB50, 0xFDFF) || in(c, 0xFE70, 0xFEFC) ||
         in(c, 0x11000, 0x11FFF);
}
// Scripts written without spaces, where ZWSP marks word boundaries.
bool is_spaceless_script(char32_t c) {
  return in(c, 0x0E00, 0x0FFF) || in(c, 0x1000, 0x109F) || in(c, 0x1780, 0x17FF) || in(c, 0x1A20, 0x1AAF) ||
         in(c, 0x1B00, 0x1B7F) || in(c, 0xA980, 0xA9DF);
}
bool is_mongolian_letter(char32_t c) { return in(c, 0x1820, 0x18AF); }
bool is_rtl_letter(char32_t c) {
  if (is_format(c)) return false;
  return in(c, 0x0590, 0x08FF) || in(c, 0xFB1D, 0xFDFF) || in(c, 0xFE70, 0xFEFC) || in(c, 0x10800, 0x10FFF) ||
         in(c, 0x1E800, 0x1EFFF);
}
bool is_cjk_ideograph(char32_t c) {
  return in(c, 0x3400, 0x4DBF) || in(c, 0x4E00, 0x9FFF) || in(c, 0xF900, 0xFAFF) || in(c, 0x20000, 0x3FFFD);
}
// Bases of standardized variation sequences (math symbols, CJK punctuation,
// Myanmar, Phags-pa, hieroglyphs): VS1… after them selects a glyph variant.
bool has_standardized_variants(char32_t c) {
  return in(c, 0x2000, 0x2BFF) || in(c, 0x3000, 0x303F) || in(c, 0xFF00, 0xFFEF) || in(c, 0x1000, 0x109F) ||
         in(c, 0xAA60, 0xAA7F) || in(c, 0xA840, 0xA87F) || in(c, 0x10AC0, 0x10AFF) || in(c, 0x13000, 0x1345F) ||
         is_cjk_ideograph(c);
}

std::string char_name(char32_t c) {
  switch (c) {
    case 0x061C: return "ARABIC LETTER MARK";
    case 0x180E: return "MONGOLIAN VOWEL SEPARATOR";
    case 0x200B: return "ZERO WIDTH SPACE";
    case 0x200C: return "ZERO WIDTH NON-JOINER";
    case 0x200D: return "ZERO WIDTH JOINER";
    case 0x200E: return "LEFT-TO-RIGHT MARK";
    case 0x200F: return "RIGHT-TO-LEFT MARK";
    case 0x202A: return "LEFT-TO-RIGHT EMBEDDING";
    case 0x202B: return "RIGHT-TO-LEFT EMBEDDING";
    case 0x202C: return "POP DIRECTIONAL FORMATTING";
    case 0x202D: return "LEFT-TO-RIGHT OVERRIDE";
    case 0x202E: return "RIGHT-TO-LEFT OVERRIDE";
    case 0x2060: return "WORD JOINER";
    case 0x2061: return "FUNCTION APPLICATION";
    case 0x2062: return "INVISIBLE TIMES";
    case 0x2063: return "INVISIBLE SEPARATOR";
    case 0x2064: return "INVISIBLE PLUS";
    case 0x034F: return "COMBINING GRAPHEME JOINER";
    case 0x115F: return "HANGUL CHOSEONG FILLER";
    case 0x1160: return "HANGUL JUNGSEONG FILLER";
    case 0x3164: return "HANGUL FILLER";
    case 0xFFA0: return "HALFWIDTH HANGUL FILLER";
    case 0x17B4: return "KHMER VOWEL INHERENT AQ";
    case 0x17B5: return "KHMER VOWEL INHERENT AA";
    case 0x2066: return "LEFT-TO-RIGHT ISOLATE";
    case 0x2067: return "RIGHT-TO-LEFT ISOLATE";
    case 0x2068: return "FIRST STRONG ISOLATE";
    case 0x2069: return "POP DIRECTIONAL ISOLATE";
    case 0xFEFF: return "ZERO WIDTH NO-BREAK SPACE";
    default: break;
  }
  if (in(c, 0xFE00, 0xFE0F)) return fmt::format("VARIATION SELECTOR-{}", static_cast<uint32_t>(c - 0xFE00 + 1));
  if (in(c, 0xE0100, 0xE01EF)) return fmt::format("VARIATION SELECTOR-{}", static_cast<uint32_t>(c - 0xE0100 + 17));
  return "TAG CHARACTER";
}

// ---- Legitimate uses --------------------------------------------------------

// Length of an emoji subdivision flag starting at `at` (🏴 + "gbeng" in tag
// letters + CANCEL TAG), or 0. Only the ISO 3166-2 shape is accepted, so a
// flag cannot carry a smuggled sentence.
size_t flag_sequence_length(const std::vector<Char>& chars, size_t at) {
  if (chars[at].code != 0x1F3F4) return 0;
  size_t end = at + 1;
  while (end < chars.size() && end - at <= 7 &&
         (in(chars[end].code, 0xE0061, 0xE007A) || in(chars[end].code, 0xE0030, 0xE0039)))
    ++end;
  const size_t letters = end - at - 1;
  if (letters < 3 || letters > 6 || end == chars.size() || chars[end].code != 0xE007F) return 0;
  if (!in(chars[at + 1].code, 0xE0061, 0xE007A) || !in(chars[at + 2].code, 0xE0061, 0xE007A)) return 0;
  return end + 1 - at;
}

bool legit_bidi(char32_t c, char32_t previous, char32_t next) {
  return is_bidi_mark(c) && (is_rtl_letter(previous) || is_rtl_letter(next));
}

bool legit_zero_width(char32_t c, char32_t previous, char32_t next, char32_t after_next, bool file_start) {
  // "*<U+200B>/*": how a JSDoc or C comment writes the glob "*/*" without
  // closing itself. Harmless by construction: read as "*/" then "/*", the
  // comment closes and a new one opens at once, so to a reader and to the
  // compiler the same text is comment and the same "*/" later ends it.
  if ((c == 0x200B || c == 0x2060) && previous == '*' && next == '/' && after_next == '*') return true;
  switch (c) {
    case 0xFEFF: return file_start;  // a byte order mark
    case 0x200D:
      if ((is_pictographic(previous) || previous == 0xFE0F) && is_pictographic(next)) return true;
      return is_joining_script(previous) && is_joining_script(next);
    case 0x200C: return is_joining_script(previous) && is_joining_script(next);
    case 0x200B: return is_spaceless_script(previous) && is_spaceless_script(next);
    case 0x180E: return is_mongolian_letter(previous) && is_mongolian_letter(next);
    case 0x17B4:
    case 0x17B5: return is_khmer(previous);
    // Combining grapheme joiner: between letters of non-Latin scripts (Hebrew
    // cantillation); between ASCII letters it only splits an identifier.
    case 0x034F: return previous >= 0x80 && next >= 0x80 && !is_format(previous) && !is_format(next);
    default:
      if (is_hangul_filler(c)) return is_hangul(previous) || is_hangul(next);
      return false;
  }
}

bool legit_single_selector(char32_t selector, char32_t base) {
  if (in(selector, 0xE0100, 0xE01EF)) return is_cjk_ideograph(base);
  if ((selector == 0xFE0E || selector == 0xFE0F) && (is_pictographic(base) || is_keycap_base(base))) return true;
  return has_standardized_variants(base);
}

// Embeddings and isolates that wrap right-to-left text, closed on the same
// line: how an editor or a translator marks an Arabic or Hebrew string
// literal. An override (LRO, RLO) is never legitimate, nor is a pair whose
// span holds no right-to-left letter (the Trojan Source attacks reorder
// ASCII code), nor one left open. Returns one flag per character.
std::vector<bool> rtl_spans(const std::vector<Char>& chars) {
  std::vector<bool> legit;
  std::vector<size_t> open;  // indexes of openers not yet closed
  for (size_t i = 0; i < chars.size(); ++i) {
    const char32_t c = chars[i].code;
    const bool embedding = c == 0x202A || c == 0x202B, isolate = in(c, 0x2066, 0x2068);
    if (embedding || isolate) {
      open.push_back(i);
      continue;
    }
    if (c != 0x202C && c != 0x2069) continue;
    // PDF closes the innermost embedding, PDI the innermost isolate (and any
    // embedding inside it), as the Unicode bidi algorithm pairs them.
    while (!open.empty()) {
      const size_t opener = open.back();
      const char32_t o = chars[opener].code;
      const bool matches = c == 0x202C ? (o == 0x202A || o == 0x202B) : in(o, 0x2066, 0x2068);
      open.pop_back();
      if (!matches) {
        if (c == 0x202C) break;  // PDF never closes an isolate
        continue;
      }
      bool rtl = false, clean = true;
      for (size_t k = opener + 1; k < i; ++k) {
        rtl = rtl || is_rtl_letter(chars[k].code);
        clean = clean && chars[k].code != 0x202D && chars[k].code != 0x202E;
      }
      if (rtl && clean) {
        if (legit.empty()) legit.resize(chars.size(), false);
        legit[opener] = legit[i] = true;
      }
      break;
    }
  }
  return legit;
}

// ---- The scan ---------------------------------------------------------------

struct Finding {
  uint32_t count = 0;
  Char first{0, 0};
  std::string hidden;     // decoded payload (tags: ASCII; selectors: bytes)
  bool printable = true;  // every decoded byte is printable ASCII
};

using Findings = std::array<Finding, kCategoryCount>;

void note(Finding& finding, const Char& c) {
  if (finding.count++ == 0) finding.first = c;
  // Tag characters mirror ASCII at U+E0000; selector smuggling maps VS1–16
  // to bytes 0–15 and VS17–256 to bytes 16–255.
  uint32_t value = is_tag(c.code)                   ? c.code - 0xE0000
                   : in(c.code, 0xE0100, 0xE01EF)   ? c.code - 0xE0100 + 16
                   : in(c.code, 0xFE00, 0xFE0F)     ? c.code - 0xFE00
                                                    : 0;
  if (value < 0x20 || value > 0x7E) {
    finding.printable = false;
    if (is_tag(c.code)) return;  // LANGUAGE TAG, CANCEL TAG: structure, not text
  }
  if (finding.hidden.size() <= kMaxShownHidden) finding.hidden.push_back(static_cast<char>(value));
}

Findings scan_chars(const std::vector<Char>& chars, bool file_start) {
  Findings found;
  std::vector<bool> spans;
  if (std::any_of(chars.begin(), chars.end(), [](const Char& c) { return in(c.code, 0x202A, 0x202C) || in(c.code, 0x2066, 0x2069); }))
    spans = rtl_spans(chars);
  auto code_at = [&](size_t i) { return i < chars.size() ? chars[i].code : U'\0'; };
  for (size_t i = 0; i < chars.size();) {
    const char32_t c = chars[i].code;
    if (c < 0x80) {
      ++i;
    } else if (size_t flag = flag_sequence_length(chars, i)) {
      i += flag;
    } else if (is_variation_selector(c)) {
      size_t end = i;
      while (end < chars.size() && is_variation_selector(chars[end].code)) ++end;
      const char32_t base = i > 0 ? chars[i - 1].code : U'\0';
      if (end - i > 1 || !legit_single_selector(c, base))
        for (size_t k = i; k < end; ++k) note(found[kVariationSelectors], chars[k]);
      i = end;
    } else {
      const char32_t previous = i > 0 ? chars[i - 1].code : U'\0';
      if (is_tag(c)) note(found[kTags], chars[i]);
      else if (is_bidi(c) && !legit_bidi(c, previous, code_at(i + 1)) && !(i < spans.size() && spans[i]))
        note(found[kBidi], chars[i]);
      else if (is_zero_width(c) && !legit_zero_width(c, previous, code_at(i + 1), code_at(i + 2), file_start && i == 0))
        note(found[kZeroWidth], chars[i]);
      ++i;
    }
  }
  return found;
}

std::string shown_hidden(const Finding& finding) {
  std::string_view text = finding.hidden;
  if (text.size() <= kMaxShownHidden) return std::string(text);
  return std::string(text.substr(0, kMaxShownHidden)) + "…";
}

std::string describe(size_t category, const Finding& finding) {
  const auto first = static_cast<uint32_t>(finding.first.code);
  const uint32_t column = finding.first.column;
  const std::string more = finding.count > 1 ? "…" : "";
  if (category == kTags) {
    std::string detail = fmt::format("{} Unicode tag character{} (U+{:04X}{}) at column {}", finding.count,
                                     finding.count == 1 ? "" : "s", first, more, column);
    if (!finding.hidden.empty()) detail += fmt::format(", hidden text decodes to \"{}\"", shown_hidden(finding));
    return detail;
  }
  if (category == kVariationSelectors && finding.count > 1) {
    std::string detail = fmt::format("{} variation selectors (U+{:04X}…) at column {}", finding.count, first, column);
    if (finding.printable) detail += fmt::format(", hidden bytes decode to \"{}\"", shown_hidden(finding));
    return detail;
  }
  std::string detail = fmt::format("U+{:04X} {} at column {}", first, char_name(finding.first.code), column);
  if (finding.count > 1) detail += fmt::format(" and {} more on this line", finding.count - 1);
  return detail;
}

enum class Files { kAny, kCode, kAgent };

class UnicodeDetector final : public Detector {
 public:
  UnicodeDetector(std::array<bool, kCategoryCount> enabled, Files files, bool outputs)
      : enabled_(enabled), files_(files), outputs_(outputs) {}

  bool may_report_at(std::string_view path) const override {
    switch (files_) {
      case Files::kAny: return true;
      case Files::kCode: return is_source_code_path(path) || may_be_script_path(path);
      case Files::kAgent: return is_agent_instruction_path(path) || may_be_agent_instructions_path(path);
    }
    return true;
  }

  // Every character this detector reports is outside ASCII; the pattern is
  // the same in RE2's UTF-8 and Latin-1 modes, whichever the engine uses.
  std::optional<PrefilterSpec> prefilter() const override { return PrefilterSpec{R"([^\x00-\x7f])", {}}; }
  bool wants_lines() const override { return true; }

  void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates, std::vector<Hit>& hits) const override {
    if (file.output && !outputs_) return;
    if (!judged_kind(file)) return;
    for (uint32_t index : candidates) scan_line(file.added[index], hits);
  }

 private:
  // What may_report_at could not decide from the name: scripts by their
  // shebang, Markdown by its front matter.
  bool judged_kind(const FileView& file) const {
    switch (files_) {
      case Files::kAny: return true;
      case Files::kCode: return is_source_code_path(file.path) || has_shebang(file.content);
      case Files::kAgent:
        return is_agent_instruction_path(file.path) || looks_like_agent_instructions(file.content);
    }
    return true;
  }

  void scan_line(const AddedLine& line, std::vector<Hit>& hits) const {
    const bool ascii = std::all_of(line.text.begin(), line.text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) return;
    const Findings found = scan_chars(decode(line.text), line.number == 1);
    for (size_t category = 0; category < kCategoryCount; ++category) {
      if (!enabled_[category] || found[category].count == 0) continue;
      Hit hit;
      hit.line = line.number;
      hit.detail = describe(category, found[category]);
      hits.push_back(std::move(hit));
    }
  }

  std::array<bool, kCategoryCount> enabled_;
  Files files_;
  bool outputs_;
};

}  // namespace

std::unique_ptr<Detector> make_unicode_detector(DetectorParams& params) {
  const auto names = params.strings("categories");
  std::array<bool, kCategoryCount> enabled{};
  if (names.empty()) enabled.fill(true);
  bool ok = true;
  for (const auto& name : names) {
    const auto known = std::find(kCategoryNames.begin(), kCategoryNames.end(), name);
    if (known == kCategoryNames.end()) {
      params.error("categories", fmt::format("unknown category '{}' (known: {})", name, fmt::join(kCategoryNames, ", ")));
      ok = false;
      continue;
    }
    enabled[static_cast<size_t>(known - kCategoryNames.begin())] = true;
  }
  Files files = Files::kAny;
  if (auto kind = params.string("files")) {
    if (*kind == "code") files = Files::kCode;
    else if (*kind == "agent") files = Files::kAgent;
    else if (*kind != "any") {
      params.error("files", fmt::format("unknown '{}' (use \"any\", \"code\" or \"agent\")", *kind));
      ok = false;
    }
  }
  const bool outputs = params.boolean("outputs").value_or(true);
  if (!ok) return nullptr;
  return std::make_unique<UnicodeDetector>(enabled, files, outputs);
}

}  // namespace refguard::detect
