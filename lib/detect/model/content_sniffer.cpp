#include "detect/model/content_sniffer.h"

#include <algorithm>
#include <span>
#include <string>

#include "detect/model/npy_header.h"
#include "detect/model/pickle_opcodes.h"
#include "detect/model/safetensors_check.h"
#include "detect/model/zip_archive.h"

namespace refguard::detect::model {

namespace {

constexpr std::string_view kLegacyMagic = "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";  // LONG1 0x1950a86a20f9469cfc6c

struct Magic {
  std::string_view bytes;
  std::string_view name;
};
constexpr Magic kUninspectable[] = {
    {"BZh", "bz2"}, {"\xfd" "7zXZ", "xz"}, {std::string_view("]\x00\x00", 3), "lzma"}, {"\x04\x22\x4d\x18", "lz4"},
    {"ZF", "joblib (pre-0.10) zlib"},
};

bool is_zlib(std::string_view head) {
  if (head.size() < 2) return false;
  auto cmf = static_cast<uint8_t>(head[0]), flg = static_cast<uint8_t>(head[1]);
  return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
}

// The last `index`-th extension of the file name, as written: "a/Model.PKL.gz"
// has "gz" (0) and "PKL" (1). Compared with the lower-case lists below
// ignoring ASCII case, so no copy is made.
std::string_view extension(std::string_view path, int index) {
  std::string_view base = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  for (; index > 0; --index) {
    size_t dot = base.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    base = base.substr(0, dot);
  }
  size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return base.substr(dot + 1);
}

// `text` equals the lower-case `lower` once its ASCII capitals are lowered.
bool equals_lowered(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c) != lower[i]) return false;
  }
  return true;
}

bool is_one_of(std::string_view text, std::span<const std::string_view> options) {
  return std::any_of(options.begin(), options.end(), [&](std::string_view option) { return equals_lowered(text, option); });
}

constexpr std::string_view kPickleExtensions[] = {"pkl", "pickle", "dill", "joblib", "jbl", "pt", "pth", "ckpt"};
constexpr std::string_view kCompressionExtensions[] = {"gz", "z", "zlib", "bz2", "xz", "lzma", "lz4"};
constexpr std::string_view kArchiveExtensions[] = {"pt", "pth", "bin", "ckpt", "npz", "pkl", "pickle", "joblib", "mar", "nemo"};

}  // namespace

ContentKind sniff(std::string_view head, uint64_t size, bool compressed) {
  if (head.empty()) return ContentKind::kNone;
  if (looks_like_zip(head)) return ContentKind::kZip;
  if (head.starts_with(kNpyMagic)) return ContentKind::kNpy;
  if (looks_like_safetensors(head, size)) return ContentKind::kSafetensors;
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80 && static_cast<uint8_t>(head[1]) <= kHighestProtocol)
    return ContentKind::kPickle;
  if (compressed && head.starts_with("\x1f\x8b")) return ContentKind::kGzip;
  if (compressed && is_zlib(head)) return ContentKind::kZlib;
  if (!compression_name(head).empty()) return ContentKind::kUninspectable;
  if (!opcode_name(static_cast<uint8_t>(head[0])).empty()) return ContentKind::kMaybePickle;
  return ContentKind::kNone;
}

std::string_view compression_name(std::string_view head) {
  for (const auto& magic : kUninspectable)
    if (head.starts_with(magic.bytes)) return magic.name;
  return {};
}

bool is_legacy_torch(std::string_view head) {
  size_t at = head.find(kLegacyMagic);
  return at != std::string_view::npos && at <= 16 && head.starts_with('\x80');
}

bool has_pickle_name(std::string_view path) {
  std::string_view last = extension(path, 0);
  if (is_one_of(last, kPickleExtensions)) return true;
  // joblib names compressed dumps "model.pkl.gz", "model.joblib.xz", ...
  return is_one_of(last, kCompressionExtensions) &&
         is_one_of(extension(path, 1), kPickleExtensions);
}

bool has_npy_name(std::string_view path) { return equals_lowered(extension(path, 0), "npy"); }

bool has_safetensors_name(std::string_view path) { return equals_lowered(extension(path, 0), "safetensors"); }

bool has_model_archive_name(std::string_view path) {
  return is_one_of(extension(path, 0), kArchiveExtensions);
}

}  // namespace refguard::detect::model
