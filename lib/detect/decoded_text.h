#pragma once
// Text hidden from a line scanner by its encoding or container, recovered
// so the line rules can read it: UTF-16 files (git calls them binary), the
// printable runs of other binary files (as `strings` shows them), base64
// runs long enough to hold a key, and the members of zip, gzip and tar
// archives. Every function is bounded by the limits below (output size,
// member count, nesting), so a decompression bomb or a forged header costs
// at most those; pure and thread-safe.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refguard::detect {

struct DecodeLimits {
  size_t max_binary_scan = 64u << 20;     // bytes of a binary file searched for text runs
  size_t min_text_run = 8;                // printable characters in a row, as strings(1)
  size_t min_base64_run = 32;             // 24 decoded bytes: the shortest key the rules know
  size_t max_archive_output = 16u << 20;  // bytes inflated from one archive, all members
  size_t max_archive_members = 2000;
  size_t max_member_bytes = 4u << 20;     // one member: more is cut off
  int max_archive_depth = 2;              // a .tar.gz is depth 2
};

/// UTF-16 text (a BOM, or the NUL pattern of mostly-ASCII UTF-16 without one)
/// as UTF-8, and its encoding's name; nullopt when `content` is not UTF-16.
std::optional<std::pair<std::string, std::string_view>> decode_utf16(std::string_view content);

/// The printable ASCII runs of binary `content` (at least min_text_run long),
/// one per line, and UTF-16LE runs likewise (Windows resources, .NET strings).
std::string text_runs(std::string_view content, const DecodeLimits& limits = {});

/// A base64 (or base64url) run in a line and the text it decodes to.
struct Base64Run {
  size_t column = 0;  // 0-based byte offset in the text searched
  std::string text;   // decoded; printable text only
};
/// Runs in `line` of at least min_base64_run characters whose decoding is
/// printable text (so images, hashes and keys themselves are skipped).
std::vector<Base64Run> base64_runs(std::string_view line, const DecodeLimits& limits = {});
/// Cheap test: does `content` hold any run long enough to be worth decoding?
bool may_hold_base64_text(std::string_view content, const DecodeLimits& limits = {});

/// True when `content` starts like a zip, gzip or tar archive.
bool looks_like_archive(std::string_view content);

/// Calls `member(name, bytes)` for each regular file of the archive in
/// `content` (nested gzip/tar/zip opened up to max_archive_depth; the name
/// then joins the levels with "/"). Returns a note on what was left out
/// ("" when nothing): encrypted or unsupported members, limits reached.
std::string for_each_archive_member(std::string_view content,
                                    const std::function<void(std::string_view name, std::string_view bytes)>& member,
                                    const DecodeLimits& limits = {});

}  // namespace refguard::detect
