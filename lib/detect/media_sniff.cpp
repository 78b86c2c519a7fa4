#include "detect/media_sniff.h"

#include <array>

namespace refguard::detect {

namespace {

struct Signature {
  size_t offset;  // where the magic bytes sit
  std::string_view magic;
  std::string_view name;
};

using namespace std::string_view_literals;

// Formats whose payload is compressed or encoded (entropy-coded pixels,
// audio frames, deflate/brotli/LZMA streams). Not here: uncompressed
// pictures and sound (BMP, TIFF, WAV), PDF and PostScript (their text may be
// plain), and the archives refguard reads (zip, gzip, tar).
constexpr std::array kSignatures = {
    Signature{0, "\x89PNG\r\n\x1a\n"sv, "PNG"},
    Signature{0, "\xff\xd8\xff"sv, "JPEG"},
    Signature{0, "GIF87a"sv, "GIF"},
    Signature{0, "GIF89a"sv, "GIF"},
    Signature{8, "WEBP"sv, "WebP"},  // after "RIFF" and a length
    Signature{4, "ftypavif"sv, "AVIF"},
    Signature{4, "ftypheic"sv, "HEIC"},
    Signature{4, "ftyp"sv, "MP4/QuickTime"},
    Signature{0, "\x1a\x45\xdf\xa3"sv, "Matroska/WebM"},
    Signature{0, "OggS"sv, "Ogg"},
    Signature{0, "fLaC"sv, "FLAC"},
    Signature{0, "ID3"sv, "MP3"},
    Signature{0, "wOFF"sv, "WOFF"},
    Signature{0, "wOF2"sv, "WOFF2"},
    Signature{0, "7z\xbc\xaf\x27\x1c"sv, "7z"},
    Signature{0, "\xfd" "7zXZ\x00"sv, "xz"},
    Signature{0, "BZh"sv, "bzip2"},
    Signature{0, "\x28\xb5\x2f\xfd"sv, "zstd"},
    Signature{0, "Rar!\x1a\x07"sv, "RAR"},
};

}  // namespace

std::optional<std::string_view> compressed_media_format(std::string_view head) {
  for (const auto& signature : kSignatures)
    if (head.size() >= signature.offset + signature.magic.size() &&
        head.substr(signature.offset, signature.magic.size()) == signature.magic) {
      if (signature.name == "WebP" && !head.starts_with("RIFF")) continue;
      return signature.name;
    }
  return std::nullopt;
}

}  // namespace refguard::detect
