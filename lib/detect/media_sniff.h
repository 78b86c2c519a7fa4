#pragma once
// Compressed media and archives refguard cannot open (images, audio, video,
// web fonts, 7z/xz/bz2/zstd), known by their first bytes. Their bytes are
// compressed: a search for text in them finds only noise, so a binary file
// that starts like one costs a header sniff, not a scan of its printable runs.
#include <optional>
#include <string_view>

namespace refguard::detect {

/// The format's name ("PNG", "JPEG", ...) when `head` (a file's first bytes,
/// at least 12 for every format to be known) starts like compressed media.
std::optional<std::string_view> compressed_media_format(std::string_view head);

}  // namespace refguard::detect
