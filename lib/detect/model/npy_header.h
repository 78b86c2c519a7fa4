#pragma once
// The header of a NumPy .npy file: magic "\x93NUMPY", version, a length and
// a Python dict literal with 'descr', 'fortran_order' and 'shape'. An array
// whose dtype holds Python objects is stored as a pickle right after it.
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/model/stream_reader.h"
#include "util/error.h"

namespace refguard::detect::model {

struct NpyHeader {
  std::string descr;          // the dtype as written ('<f4', or a structured list's text)
  bool object_dtype = false;  // some field is 'O': the data is a pickle
};

inline constexpr std::string_view kNpyMagic = "\x93NUMPY";

/// Reads and checks the header, leaving the reader at the first data byte.
Expected<NpyHeader> read_npy_header(StreamReader& reader);

}  // namespace refguard::detect::model
