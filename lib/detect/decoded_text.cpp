#include "detect/decoded_text.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/inflate_stream.h"
#include "detect/model/zip_archive.h"
#include "util/text.h"

namespace refguard::detect {

namespace {

std::string utf16_to_utf8(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](size_t i) {
    auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
    return static_cast<char32_t>(little_endian ? (a | b << 8) : (a << 8 | b));
  };
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    char32_t c = unit(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < bytes.size()) {
      char32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    append_utf8(out, c);
  }
  return out;
}

bool printable(unsigned char c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; }

// Base64 and base64url digits to their values, -1 for anything else: a
// table, because the run search looks at every byte of every text file.
constexpr std::array<int8_t, 256> kBase64Values = [] {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'A');
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'a' + 26);
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = static_cast<int8_t>(c - '0' + 52);
  table['+'] = table['-'] = 62;
  table['/'] = table['_'] = 63;
  return table;
}();

int base64_value(unsigned char c) { return kBase64Values[c]; }

using Bytes = unsigned char __attribute__((vector_size(16)));
using SignedBytes = signed char __attribute__((vector_size(16)));

// True when some byte of the 16 at `bytes` is below '+', the alphabet's
// lowest, or not ASCII (negative as a signed char): a space, a quote, a
// bracket, a line end. Nearly every 16 bytes of code hold one.
[[gnu::always_inline]] inline bool block_has_separator(const unsigned char* bytes) {
  SignedBytes v;
  std::memcpy(&v, bytes, 16);
  SignedBytes low = v < static_cast<signed char>('+');
  uint64_t halves[2];
  std::memcpy(halves, &low, 16);
  return (halves[0] | halves[1]) != 0;
}

// True when the 16 bytes at `bytes` are all in the base64 alphabet (either
// one), tested at once with GCC/Clang vector extensions.
[[gnu::always_inline]] inline bool block_in_alphabet(const unsigned char* bytes) {
  if (block_has_separator(bytes)) return false;
  Bytes v;
  std::memcpy(&v, bytes, 16);
  Bytes upper = (v >= 'A') & (v <= 'Z'), lower = (v >= 'a') & (v <= 'z'), digit = (v >= '0') & (v <= '9');
  Bytes other = (v == '+') | (v == '/') | (v == '-') | (v == '_');
  Bytes ok = upper | lower | digit | other;
  uint64_t halves[2];
  std::memcpy(halves, &ok, 16);
  return halves[0] == ~uint64_t{0} && halves[1] == ~uint64_t{0};
}

// The end of the base64-alphabet run starting at `at`, 16 bytes at a time,
// since a notebook's or a data file's runs can be hundreds of kilobytes long.
size_t alphabet_run_end(const unsigned char* bytes, size_t at, size_t size) {
  while (at + 16 <= size && block_in_alphabet(bytes + at)) at += 16;
  while (at < size && kBase64Values[bytes[at]] >= 0) ++at;
  return at;
}

// Decodes base64 text (either alphabet, no padding inside); "" when the
// result is not mostly printable text (checked as it goes, so binary stops early).
std::string decode_base64_text(std::string_view run) {
  // No reserve: most runs (images, hashes) fail within a few bytes, and a
  // long run's allocation would cost more than its decoding.
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t bad = 0;
  for (char ch : run) {
    int value = base64_value(static_cast<unsigned char>(ch));
    if (value < 0) break;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      auto byte = static_cast<unsigned char>((buffer >> bits) & 0xFF);
      if (!printable(byte) && byte != '\n' && byte != '\r' && ++bad > out.size() / 20 + 1) return {};
      out += static_cast<char>(byte);
    }
  }
  return out;
}

// ---- tar ------------------------------------------------------------------------

std::optional<uint64_t> octal(std::string_view field) {
  uint64_t value = 0;
  bool any = false;
  for (char c : field) {
    if (c == 0 || c == ' ') {
      if (any) break;
      continue;
    }
    if (c < '0' || c > '7' || value > (uint64_t{1} << 40)) return std::nullopt;
    value = value * 8 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  return any ? std::optional<uint64_t>(value) : std::nullopt;
}

bool looks_like_tar(std::string_view content) {
  return content.size() >= 512 && content.substr(257, 5) == "ustar";
}

bool looks_like_gzip(std::string_view content) {
  return content.size() >= 18 && static_cast<unsigned char>(content[0]) == 0x1F &&
         static_cast<unsigned char>(content[1]) == 0x8B && content[2] == 8;
}

class ArchiveWalk {
 public:
  ArchiveWalk(const std::function<void(std::string_view, std::string_view)>& member, const DecodeLimits& limits)
      : member_(member), limits_(limits) {}

  void walk(std::string_view content, const std::string& prefix, int depth) {
    if (depth > limits_.max_archive_depth) {
      note("nested archives deeper than " + std::to_string(limits_.max_archive_depth));
      return;
    }
    if (model::looks_like_zip(content)) zip(content, prefix, depth);
    else if (looks_like_gzip(content)) gzip(content, prefix, depth);
    else if (looks_like_tar(content)) tar(content, prefix, depth);
  }

  std::string notes() const { return notes_; }

 private:
  void note(const std::string& text) {
    if (notes_.find(text) == std::string::npos) notes_ += (notes_.empty() ? "" : "; ") + text;
  }

  bool room() {
    if (members_ >= limits_.max_archive_members || output_ >= limits_.max_archive_output) {
      note("archive limits reached (" + std::to_string(limits_.max_archive_members) + " members, " +
           std::to_string(limits_.max_archive_output >> 20) + " MiB)");
      return false;
    }
    return true;
  }

  // Inflates at most what the limits still allow: a member's bytes, or for
  // a gzip stream (which usually wraps a tar) the archive's whole output.
  std::string inflate(model::ByteStream& stream, bool container = false) {
    size_t left = limits_.max_archive_output - output_;
    size_t cap = container ? left : std::min(limits_.max_member_bytes, left);
    std::string out;
    std::array<char, 16384> buffer;
    while (out.size() < cap) {
      size_t got = stream.read(buffer.data(), std::min(buffer.size(), cap - out.size()));
      if (got == 0) break;
      out.append(buffer.data(), got);
    }
    return out;
  }

  void deliver(const std::string& name, std::string_view bytes, int depth) {
    ++members_;
    if (looks_like_archive(bytes)) {
      walk(bytes, name + "/", depth + 1);  // its members count, not the container
      return;
    }
    output_ += bytes.size();
    member_(name, bytes.substr(0, limits_.max_member_bytes));
  }

  void zip(std::string_view content, const std::string& prefix, int depth) {
    model::MemorySource source(content);
    auto archive = model::ZipArchive::open(source);
    if (!archive) {
      note("unreadable zip: " + archive.error().message);
      return;
    }
    for (const auto& entry : archive->entries()) {
      if (!room()) return;
      if (entry.name.empty() || entry.name.back() == '/') continue;
      if (entry.encrypted() || (entry.method != 0 && entry.method != 8)) {
        note("encrypted or unsupported zip members not read");
        continue;
      }
      auto offset = archive->data_offset(entry);
      if (!offset) continue;
      model::SourceStream raw(source, *offset, *offset + entry.compressed_size);
      std::string bytes;
      if (entry.method == 8) {
        model::InflateStream inflated(raw, model::InflateFormat::kRaw);
        bytes = inflate(inflated);
      } else {
        bytes = inflate(raw);
      }
      deliver(prefix + entry.name, bytes, depth);
    }
  }

  void gzip(std::string_view content, const std::string& prefix, int depth) {
    if (!room()) return;
    model::MemorySource source(content);
    model::SourceStream raw(source);
    model::InflateStream inflated(raw, model::InflateFormat::kGzip);
    std::string bytes = inflate(inflated, true);
    // The member's name, when the header holds one (FNAME).
    std::string name = prefix.empty() ? "(gzip)" : prefix.substr(0, prefix.size() - 1);
    if ((static_cast<unsigned char>(content[3]) & 0x08) && !(static_cast<unsigned char>(content[3]) & 0x04)) {
      size_t end = content.find('\0', 10);
      if (end != std::string_view::npos && end - 10 < 256) name = prefix + std::string(content.substr(10, end - 10));
    }
    deliver(name, bytes, depth);
  }

  void tar(std::string_view content, const std::string& prefix, int depth) {
    size_t at = 0;
    while (at + 512 <= content.size()) {
      std::string_view header = content.substr(at, 512);
      if (header.find_first_not_of('\0') == std::string_view::npos) break;  // end of archive
      auto size = octal(header.substr(124, 12));
      if (!size || *size > content.size() - at - 512) {
        note("truncated or corrupt tar");
        return;
      }
      std::string name(header.substr(0, 100).substr(0, header.substr(0, 100).find('\0')));
      std::string_view ustar_prefix = header.substr(345, 155);
      ustar_prefix = ustar_prefix.substr(0, ustar_prefix.find('\0'));
      if (!ustar_prefix.empty()) name = std::string(ustar_prefix) + "/" + name;
      const char type = header[156];
      if ((type == '0' || type == '\0' || type == '7') && !name.empty()) {
        if (!room()) return;
        std::string_view data = content.substr(at + 512, std::min<uint64_t>(*size, limits_.max_member_bytes));
        deliver(prefix + name, data, depth);
      }
      at += 512 + static_cast<size_t>((*size + 511) / 512 * 512);
    }
  }

  const std::function<void(std::string_view, std::string_view)>& member_;
  const DecodeLimits& limits_;
  size_t members_ = 0;
  size_t output_ = 0;
  std::string notes_;
};

}  // namespace

std::optional<std::pair<std::string, std::string_view>> decode_utf16(std::string_view content) {
  if (content.size() < 2) return std::nullopt;
  auto b0 = static_cast<unsigned char>(content[0]), b1 = static_cast<unsigned char>(content[1]);
  if (b0 == 0xFF && b1 == 0xFE) return std::make_pair(utf16_to_utf8(content.substr(2), true), "UTF-16LE");
  if (b0 == 0xFE && b1 == 0xFF) return std::make_pair(utf16_to_utf8(content.substr(2), false), "UTF-16BE");
  // Without a BOM: mostly-ASCII text has a NUL in every other byte.
  size_t sample = std::min<size_t>(content.size(), 4096) & ~size_t{1};
  if (sample < 8) return std::nullopt;
  size_t zero_odd = 0, zero_even = 0, text_odd = 0, text_even = 0;
  for (size_t i = 0; i < sample; i += 2) {
    auto even = static_cast<unsigned char>(content[i]), odd = static_cast<unsigned char>(content[i + 1]);
    zero_even += even == 0;
    zero_odd += odd == 0;
    text_even += printable(even) || even == '\n' || even == '\r';
    text_odd += printable(odd) || odd == '\n' || odd == '\r';
  }
  size_t units = sample / 2;
  if (zero_odd * 10 >= units * 9 && text_even * 10 >= units * 9)
    return std::make_pair(utf16_to_utf8(content, true), "UTF-16LE");
  if (zero_even * 10 >= units * 9 && text_odd * 10 >= units * 9)
    return std::make_pair(utf16_to_utf8(content, false), "UTF-16BE");
  return std::nullopt;
}

std::string text_runs(std::string_view content, const DecodeLimits& limits) {
  content = content.substr(0, std::min(content.size(), limits.max_binary_scan));
  std::string out;
  // ASCII runs.
  size_t start = 0;
  for (size_t i = 0; i <= content.size(); ++i) {
    if (i < content.size() && printable(static_cast<unsigned char>(content[i]))) continue;
    if (i - start >= limits.min_text_run) {
      out.append(content.substr(start, i - start));
      out += '\n';
    }
    start = i + 1;
  }
  // UTF-16LE runs: printable, NUL, printable, NUL ...
  std::string run;
  auto flush = [&] {
    if (run.size() >= limits.min_text_run) out += run + '\n';
    run.clear();
  };
  for (size_t i = 0; i + 1 < content.size();) {
    if (content[i + 1] == 0 && printable(static_cast<unsigned char>(content[i]))) {
      run += content[i];
      i += 2;
    } else {
      flush();
      ++i;
    }
  }
  flush();
  return out;
}

bool may_hold_base64_text(std::string_view content, const DecodeLimits& limits) {
  size_t run = 0;
  for (char c : content) {
    if (base64_value(static_cast<unsigned char>(c)) >= 0) {
      if (++run >= limits.min_base64_run) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

std::vector<Base64Run> base64_runs(std::string_view line, const DecodeLimits& limits) {
  std::vector<Base64Run> runs;
  const auto* bytes = reinterpret_cast<const unsigned char*>(line.data());
  const size_t size = line.size(), min_run = std::max<size_t>(limits.min_base64_run, 4);
  // Where a run starts: a run of 31 or more characters holds a whole 16-byte
  // block at a multiple of 16, so only those blocks are tested, branch-free
  // and rarely true in code; shorter runs (a smaller min_base64_run) are
  // looked for byte by byte.
  const size_t step = min_run >= 31 ? 16 : 1;
  auto holds_run = [&](size_t at) {
    return step == 16 ? block_in_alphabet(bytes + at) : kBase64Values[bytes[at]] >= 0;
  };
  size_t next = 0;  // first byte not yet covered by a widened run
  for (size_t at = 0; at + step <= size; at += step) {
    // Four blocks that each hold a separator are passed with one branch
    // (the tests are combined as integers, so none of them branches).
    auto separator = [&](size_t offset) { return static_cast<unsigned>(block_has_separator(bytes + at + offset)); };
    while (step == 16 && at + 64 <= size && at >= next && (separator(0) & separator(16) & separator(32) & separator(48)))
      at += 64;
    if (at + step > size) break;
    if (at < next || !holds_run(at)) continue;
    size_t start = at;
    while (start > next && kBase64Values[bytes[start - 1]] >= 0) --start;
    const size_t end = alphabet_run_end(bytes, at + step, size);
    next = end;
    if (end - start < min_run) continue;
    std::string text = decode_base64_text(line.substr(start, end - start));
    // At least 24 printable bytes, and more than one kind of character.
    if (text.size() >= min_run * 3 / 4 && text.find_first_not_of(text[0]) != std::string::npos)
      runs.push_back({start, std::move(text)});
  }
  return runs;
}

bool looks_like_archive(std::string_view content) {
  return model::looks_like_zip(content) || looks_like_gzip(content) || looks_like_tar(content);
}

std::string for_each_archive_member(std::string_view content,
                                    const std::function<void(std::string_view, std::string_view)>& member,
                                    const DecodeLimits& limits) {
  ArchiveWalk walk(member, limits);
  walk.walk(content, "", 1);
  return walk.notes();
}

}  // namespace refguard::detect
