#pragma once
// Writers for the benchmark's large, benign model-like files. Each streams
// to disk through a small buffer, so generating a 1 GiB file does not
// itself inflate the process's peak RSS.
#include <cstdint>
#include <string>

namespace refguard::bench {

/// A PyTorch-style zip: archive/data.pkl (a state dict of `tensors` rebuild
/// calls), one STORED archive/data/<i> member per tensor, archive/version.
/// Returns the file size.
uint64_t write_torch_zip(const std::string& path, uint64_t total_bytes, int tensors);

/// A protocol-4 pickle of a dict of BINBYTES8 payloads (large opaque arrays).
uint64_t write_payload_pickle(const std::string& path, uint64_t total_bytes, uint64_t payload_bytes);

/// A protocol-2 pickle of a list of ints and floats in APPENDS batches of
/// 1000: nothing but small opcodes, the scanner's worst case per byte.
uint64_t write_dense_pickle(const std::string& path, uint64_t total_bytes);

}  // namespace refguard::bench
