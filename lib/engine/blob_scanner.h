#pragma once
// Runs a compiled policy over one blob at one path: classification, the
// whole-file detectors, then one prefilter pass and RE2 confirmation for the
// line detectors. Every line of the blob is scanned; which findings are new
// in a given commit is decided by the caller from that commit's diff, so a
// blob's findings can be cached once and reused for every commit that has it.
// Likewise a finding on a line with `refguard:allow` is kept, marked with
// what the allow names (engine/inline_allow.h): the push decides.
#include <string_view>
#include <vector>

#include "engine/compiled_policy.h"
#include "engine/finding.h"

namespace refguard::engine {

/// Thread-safe; touches nothing but its arguments.
std::vector<BlobFinding> scan_blob(const CompiledPolicy& policy, std::string_view path, std::string_view blob_id,
                                   std::string_view content, bool binary);

/// Splits text into 1-based numbered lines (views into `text`, no line ending).
std::vector<detect::AddedLine> split_lines(std::string_view text);

}  // namespace refguard::engine
