#include "detect/model/pickle_text.h"
#include "util/text.h"

#include <charconv>

namespace refguard::detect::model {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One escape after a backslash at text[i - 1]; advances i. Mirrors escape_decode.
Expected<void> decode_escape(std::string_view text, size_t& i, std::string& out) {
  if (i >= text.size()) return fail("trailing \\ in STRING argument");
  char c = text[i++];
  switch (c) {
    case '\n': return {};
    case '\\': case '\'': case '"': out.push_back(c); return {};
    case 'a': out.push_back('\a'); return {};
    case 'b': out.push_back('\b'); return {};
    case 'f': out.push_back('\f'); return {};
    case 'n': out.push_back('\n'); return {};
    case 'r': out.push_back('\r'); return {};
    case 't': out.push_back('\t'); return {};
    case 'v': out.push_back('\v'); return {};
    case 'x': {
      int high = i < text.size() ? hex_value(text[i]) : -1;
      int low = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      if (high < 0 || low < 0) return fail("invalid \\x escape in STRING argument");
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
      return {};
    }
    default: break;
  }
  if (c >= '0' && c <= '7') {
    int value = c - '0';
    for (int digits = 1; digits < 3 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++digits)
      value = value * 8 + (text[i++] - '0');
    out.push_back(static_cast<char>(value & 0xFF));
    return {};
  }
  out.push_back('\\');  // unknown escapes stay as they are
  out.push_back(c);
  return {};
}

}  // namespace

Expected<std::string> decode_string_literal(std::string_view quoted) {
  if (quoted.size() < 2 || quoted.front() != quoted.back() || (quoted.front() != '\'' && quoted.front() != '"'))
    return fail("the STRING argument is not quoted");
  std::string_view text = quoted.substr(1, quoted.size() - 2);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    char c = text[i++];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (auto ok = decode_escape(text, i, out); !ok) return std::unexpected(ok.error());
  }
  return out;
}

Expected<std::string> decode_raw_unicode_escape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      append_utf8(out, static_cast<uint8_t>(text[i++]));  // bytes are Latin-1 code points
      continue;
    }
    // \u and \U are escapes only after an odd number of backslashes.
    size_t run = 0;
    while (i < text.size() && text[i] == '\\') out.push_back('\\'), ++i, ++run;
    if (run % 2 == 0 || i >= text.size() || (text[i] != 'u' && text[i] != 'U')) continue;
    out.pop_back();
    int count = text[i++] == 'u' ? 4 : 8;
    uint32_t code = 0;
    for (; count > 0; --count, ++i) {
      int digit = i < text.size() ? hex_value(text[i]) : -1;
      if (digit < 0) return fail("truncated \\uXXXX escape in UNICODE argument");
      code = code * 16 + static_cast<uint32_t>(digit);
    }
    if (code > 0x10FFFF) return fail("\\Uxxxxxxxx out of range in UNICODE argument");
    append_utf8(out, code);
  }
  return out;
}

std::optional<int64_t> parse_int_literal(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == 'L') text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) negative = text.front() == '-', text.remove_prefix(1);
  int base = 10;
  if (text.size() > 2 && text[0] == '0') {
    char kind = static_cast<char>(text[1] | 0x20);
    base = kind == 'x' ? 16 : kind == 'o' ? 8 : kind == 'b' ? 2 : 10;
    if (base != 10) text.remove_prefix(2);
  }
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i > 0 && i + 1 < text.size() && text[i + 1] != '_') continue;
    digits.push_back(text[i]);
  }
  if (digits.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (magnitude > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  auto value = static_cast<int64_t>(magnitude);
  return negative ? -value : value;
}

std::optional<uint64_t> parse_memo_index(std::string_view text) {
  auto value = parse_int_literal(text);
  if (!value || *value < 0) return std::nullopt;
  return static_cast<uint64_t>(*value);
}

}  // namespace refguard::detect::model
