#pragma once
// Recognises model containers by their first bytes, not their names, plus the
// few name checks that decide how strict to be: a file called model.pkl that
// does not parse is blocked, a README that happens to start with a pickle
// opcode is only reported if it really is a pickle.
#include <cstdint>
#include <string_view>

namespace refguard::detect::model {

enum class ContentKind {
  kNone,
  kZip,
  kSafetensors,
  kNpy,
  kPickle,       // starts with PROTO (0x80, 0..5)
  kMaybePickle,  // starts with a byte that is a pickle opcode (protocol 0 and 1 have no magic)
  kZlib,
  kGzip,
  kUninspectable,  // bz2, xz, lzma, lz4: compressions joblib writes that we cannot decompress
};

/// How many leading bytes sniff() and the legacy check look at.
inline constexpr size_t kSniffSize = 64;

/// `compressed`: whether zlib and gzip headers count (false once a trial inflate rejected them).
ContentKind sniff(std::string_view head, uint64_t size, bool compressed = true);

/// The name of an uninspectable compression ("bz2"), for messages.
std::string_view compression_name(std::string_view head);

/// The legacy (pre-1.6) torch.save format starts with a pickled magic number.
bool is_legacy_torch(std::string_view head);

/// Names that promise a pickle (.pkl, .pickle, .dill, .joblib, .pt, .pth, .ckpt, ...;
/// also "model.pkl.gz"): not parsing as one is then a finding.
bool has_pickle_name(std::string_view path);
bool has_npy_name(std::string_view path);
bool has_safetensors_name(std::string_view path);
/// Names of zip-based model containers (.pt, .pth, .bin, .ckpt, .npz, .pkl ...):
/// a zip by that name that cannot be parsed is a finding.
bool has_model_archive_name(std::string_view path);

}  // namespace refguard::detect::model
