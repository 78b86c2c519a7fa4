#pragma once
// The scan cache on disk, so a restart does not forget what was scanned. The
// file is the daemon's own; on load it is never trusted: a wrong magic,
// version, producer, a bad checksum or any out-of-bounds length and the whole
// file is ignored (the reason is returned for the log). Saved atomically
// (temporary file, fsync, rename).
#include <string>

#include "engine/scan_cache.h"
#include "util/error.h"

namespace refguard::engine {

/// Identifies the binary that wrote the file: results from another version
/// of the detectors are not reused.
std::string scan_cache_producer();

Expected<size_t> save_scan_cache(const ScanCache& cache, const std::string& path);
/// Adds the file's entries to `cache`; returns how many.
Expected<size_t> load_scan_cache(ScanCache& cache, const std::string& path);

}  // namespace refguard::engine
