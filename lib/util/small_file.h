#pragma once
// Reading a small configuration file whole (a policy, an ignore list), with
// a size bound and the reason when it cannot be read; replacing a file whole.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace refguard {

/// The file's text; nullopt when it does not exist; an error naming errno's
/// reason when it cannot be read (a directory), or when it is larger than
/// `max_bytes` ("PATH: `what` is larger than N MiB"), which a regular file's
/// size says before anything is read. Never waits on a FIFO.
Expected<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes,
                                                     std::string_view what);

/// Replaces `path` with `bytes` all at once: written to a temporary file
/// beside it (named after this process, so two writers never share one),
/// synced, then renamed over it. Readers see the old file or the new one,
/// never a part.
Expected<void> write_file_atomically(const std::string& path, std::string_view bytes, unsigned mode = 0600);

}  // namespace refguard
