#pragma once
// Finds model files in any content and reports what loading them would do:
// pickles (plain, PyTorch zip and legacy checkpoints, joblib dumps, zlib- or
// gzip-compressed ones, object arrays in .npy/.npz) have their imported
// globals judged by a GlobalPolicy; safetensors headers are validated.
// Everything is read through a ByteSource with bounded buffers, so a large
// file costs its headers and pickles, not its size. Content that is not a
// model costs a look at its first bytes.
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "detect/model/byte_source.h"
#include "detect/model/global_policy.h"
#include "detect/model/pickle_scanner.h"

namespace refguard::detect::model {

struct ModelScanOptions {
  /// Bytes one file's scan may read (decompressed bytes included); skipped tensor
  /// data in stored members and plain files is free. Reaching it inside a pickle fails closed.
  uint64_t max_scan_bytes = uint64_t{1} << 30;
  PickleLimits pickle;
};

/// Immutable after construction; scan() may run on many threads at once.
class ModelScanner {
 public:
  ModelScanner(GlobalPolicy policy, const ModelScanOptions& options)
      : policy_(std::move(policy)), options_(options) {}

  /// Appends one Hit per finding: dangerous global (kBlock), unknown global
  /// (kWarn), unparseable pickle or broken safetensors header (kBlock),
  /// content that cannot be inspected (kWarn). `path` guides strictness only.
  void scan(const ByteSource& source, std::string_view path, std::vector<Hit>& hits) const;

  const GlobalPolicy& policy() const { return policy_; }
  const ModelScanOptions& options() const { return options_; }

 private:
  GlobalPolicy policy_;
  ModelScanOptions options_;
};

}  // namespace refguard::detect::model
