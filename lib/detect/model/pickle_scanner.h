#pragma once
// A pickle opcode walker in pure C++: it runs the unpickler's stack machine
// symbolically (protocols 0 to 5, every opcode) without importing or calling
// anything, and records which globals the pickle would import and call.
// Nothing it allocates grows with lengths declared in the input: strings are
// kept only up to a small limit and payloads are skipped, and the stack, memo
// and opcode count are bounded by PickleLimits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "detect/model/stream_reader.h"

namespace refguard::detect::model {

struct PickleLimits {
  uint64_t max_opcodes = uint64_t{1} << 30;
  size_t max_stack = size_t{1} << 20;
  size_t max_marks = size_t{1} << 16;
  size_t max_memo = size_t{1} << 20;       // more PUTs are dropped; a GET of one is then unresolvable
  size_t max_kept_string = 1024;           // longer strs are known to be strs, text unknown
  size_t max_kept_bytes = size_t{32} << 20;  // total text and containers kept
  size_t max_kept_items = 32;              // tuple items and dict entries kept per container
  size_t max_globals = 4096;               // distinct (module, name) pairs
  int max_nesting = 4;                     // pickles inside pickles (joblib object arrays)
};

/// One global the pickle imports (GLOBAL, INST, STACK_GLOBAL), once per (module, name).
struct PickleGlobal {
  std::string module;
  std::string name;
  uint64_t offset = 0;  // byte offset of the first opcode importing it
  bool called = false;  // REDUCE, NEWOBJ, NEWOBJ_EX, OBJ or INST would call it
};

struct PickleError {
  uint64_t offset = 0;
  std::string why;
};

struct PickleResult {
  uint64_t begin = 0;  // offset of the first byte
  uint64_t end = 0;    // offset after the last byte read (after STOP when complete)
  int protocol = 0;    // from PROTO; 0 when absent
  std::vector<PickleGlobal> globals;
  std::vector<std::pair<uint32_t, uint64_t>> extension_codes;  // EXT1/2/4: code, offset
  std::optional<PickleError> error;                            // set unless a complete, valid pickle
  bool joblib_arrays = false;  // joblib NumpyArrayWrapper data was skipped in the stream
};

/// Walks one pickle from the reader's position through its STOP opcode.
/// Stateless between calls; thread-compatible (one reader per call).
PickleResult scan_pickle(StreamReader& reader, const PickleLimits& limits = {});

}  // namespace refguard::detect::model
