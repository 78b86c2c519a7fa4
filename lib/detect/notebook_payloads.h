#pragma once
// A notebook's images, PDFs and widget state are base64 strings in its cells'
// outputs, often most of its bytes; refguard never scans them (only text and
// JSON outputs), yet a JSON parser would copy them byte by byte. This finds
// them with a quote-to-quote walk and blanks them before the parse.
#include <optional>
#include <string>
#include <string_view>

namespace refguard::detect {

/// `text` with the value of every member keyed by a MIME type that is
/// neither text nor JSON ("image/png", "application/pdf", ...) replaced by
/// "" when it is a string (or an array of strings) of at least `min_bytes`;
/// nullopt when there is none (nothing is copied). The result parses as
/// `text` does, with those values empty.
std::optional<std::string> without_binary_payloads(std::string_view text, size_t min_bytes = 256);

/// MIME types whose output a notebook scan reads (the rest it leaves).
bool is_text_mime(std::string_view mime);
bool is_json_mime(std::string_view mime);

}  // namespace refguard::detect
