#include "detect/private_key_detector.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <string>

#include "util/entropy.h"

namespace refguard::detect {

namespace {

constexpr size_t kMinBodyChars = 60;
constexpr double kMinBodyEntropy = 4.2;
constexpr size_t kMaxBodyLines = 400;     // a 16384-bit RSA key is ~200 lines
constexpr size_t kEnoughBodyChars = 4096;  // judged on this much at most

// Group 1: the whole armour line's marker; group 2: the key type ("RSA ").
const char* const kMarker = R"((-----BEGIN ([ A-Z0-9_-]{0,100})PRIVATE KEY(?: BLOCK)?-----))";

bool is_base64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=';
}

// Strips what surrounds a line of key material in source code: indentation,
// quotes, "\n" / "\r" escapes, string concatenation and list punctuation.
std::string_view clean(std::string_view line) {
  auto strip_front = [&](std::string_view chars) {
    while (!line.empty() && chars.find(line.front()) != std::string_view::npos) line.remove_prefix(1);
  };
  auto strip_back = [&](std::string_view chars) {
    bool changed = true;
    while (changed && !line.empty()) {
      changed = false;
      while (!line.empty() && chars.find(line.back()) != std::string_view::npos) {
        line.remove_suffix(1);
        changed = true;
      }
      for (std::string_view escape : {"\\n", "\\r"})
        if (line.ends_with(escape)) {
          line.remove_suffix(escape.size());
          changed = true;
        }
    }
  };
  strip_front(" \t+(");
  // A string literal's prefix (b"…", r'…', f"…") before its quote.
  if (line.size() > 1 && std::string_view("bBrRuUf").find(line.front()) != std::string_view::npos &&
      std::string_view("\"'").find(line[1]) != std::string_view::npos)
    line.remove_prefix(1);
  strip_front("\"'`");
  strip_back(" \t+,;\"'`)\\");
  return line;
}

enum class LineKind { kBody, kSkip, kEnd };

// Classifies one cleaned line of the body. `chars` receives its base64.
LineKind classify(std::string_view line, std::string& chars, bool& encrypted) {
  if (line.find("-----END") != std::string_view::npos || line.find("-----BEGIN") != std::string_view::npos)
    return LineKind::kEnd;
  if (line.empty()) return LineKind::kSkip;
  // RFC 1421 (encrypted PEM) and OpenPGP armour headers.
  if (size_t colon = line.find(": "); colon != std::string_view::npos && colon < 24 &&
                                      std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon),
                                                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; })) {
    // RFC 1421 encryption: the body is ciphertext, with no DER structure to see.
    encrypted = encrypted || line.starts_with("Proc-Type:") || line.starts_with("DEK-Info:");
    return LineKind::kSkip;
  }
  if (!std::all_of(line.begin(), line.end(), is_base64)) return LineKind::kEnd;
  chars.append(line);
  return LineKind::kBody;
}

// Splits text holding "\n" escapes (a JSON or .env value), and spaces when
// `at_spaces`, into its parts.
std::vector<std::string_view> split_inline(std::string_view text, bool at_spaces) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    bool escape = i + 1 < text.size() && text[i] == '\\' && (text[i + 1] == 'n' || text[i + 1] == 'r');
    if (i == text.size() || escape || (at_spaces && (text[i] == ' ' || text[i] == '\t'))) {
      if (i > start) parts.push_back(text.substr(start, i - start));
      if (escape) ++i;
      start = i + 1;
    }
  }
  return parts;
}

bool plausible(std::string_view kind, const std::string& body, bool encrypted) {
  std::string_view data(body);
  while (!data.empty() && data.back() == '=') data.remove_suffix(1);
  // A PGP armour ends with a "=XXXX" CRC-24 line; '=' never appears inside base64.
  if (data.find('=') != std::string_view::npos) data = data.substr(0, data.find('='));
  if (data.size() < kMinBodyChars) return false;
  if (shannon_entropy(data) < kMinBodyEntropy) return false;
  if (kind.find("OPENSSH") != std::string_view::npos) return data.starts_with("b3Bl");
  if (kind.find("PGP") != std::string_view::npos || encrypted) return true;
  return data.front() == 'M';  // DER: a SEQUENCE (0x30) first
}

class PrivateKeyDetector final : public Detector {
 public:
  explicit PrivateKeyDetector(std::unique_ptr<RE2> unless) : unless_(std::move(unless)) {}

  std::optional<PrefilterSpec> prefilter() const override {
    return PrefilterSpec{R"(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY)", {"-----begin"}};
  }
  bool wants_lines() const override { return true; }

  void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates, std::vector<Hit>& hits) const override {
    static const RE2 marker(kMarker);
    for (uint32_t index : candidates) {
      std::string_view text = file.added[index].text;
      re2::StringPiece input(text.data(), text.size()), kind;
      re2::StringPiece whole;
      if (!RE2::PartialMatch(input, marker, &whole, &kind)) continue;
      if (unless_ && RE2::PartialMatch(input, *unless_)) continue;
      size_t marker_end = static_cast<size_t>(whole.data() - text.data()) + whole.size();
      bool encrypted = false;
      std::string body = private_key_body(file, index, marker_end, &encrypted);
      if (!plausible(std::string_view(kind.data(), kind.size()), body, encrypted)) continue;
      Hit hit;
      hit.line = file.added[index].number;
      hit.secret = std::move(body);
      hits.push_back(std::move(hit));
    }
  }

 private:
  std::unique_ptr<RE2> unless_;
};

}  // namespace

std::string private_key_body(const FileView& file, uint32_t begin_line, size_t marker_end, bool* encrypted) {
  std::string chars;
  bool encrypted_here = false;
  if (!encrypted) encrypted = &encrypted_here;
  std::string_view rest = file.added[begin_line].text.substr(marker_end);
  // On the BEGIN line itself: "\n"-escaped or space-separated material.
  for (std::string_view part : split_inline(rest, true)) {
    std::string_view cleaned = clean(part);
    if (cleaned.empty()) continue;
    if (classify(cleaned, chars, *encrypted) == LineKind::kEnd) return chars;
  }
  if (!chars.empty()) return chars;
  // Then the following lines, while they are consecutive lines of the file.
  uint32_t expected = file.added[begin_line].number + 1;
  for (size_t i = begin_line + 1; i < file.added.size() && i <= begin_line + kMaxBodyLines; ++i, ++expected) {
    if (file.added[i].number != expected || chars.size() >= kEnoughBodyChars) break;
    std::string_view line = file.added[i].text;
    // Inside a JSON string array (a notebook's raw source) a line may hold "\n".
    bool ended = false;
    for (std::string_view part : split_inline(line, false)) {
      std::string_view cleaned = clean(part);
      LineKind kind = classify(cleaned, chars, *encrypted);
      if (kind == LineKind::kEnd) {
        ended = true;
        break;
      }
    }
    if (ended) break;
  }
  return chars;
}

std::unique_ptr<Detector> make_private_key_detector(DetectorParams& params) {
  auto unless_pattern = params.string("unless");
  std::unique_ptr<RE2> unless;
  if (unless_pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    unless = std::make_unique<RE2>(*unless_pattern, options);
    if (!unless->ok()) {
      params.error("unless", "RE2 rejects it: " + unless->error());
      return nullptr;
    }
  }
  return std::make_unique<PrivateKeyDetector>(std::move(unless));
}

}  // namespace refguard::detect
