#pragma once
// joblib writes each numpy array's raw bytes into the middle of the pickle
// stream, right after the BUILD of a NumpyArrayWrapper, and its unpickler
// reads them from there. To keep walking opcodes after the array, the
// scanner must know how many bytes it occupies; this reads that from the
// wrapper's state (shape, dtype, numpy_array_alignment_bytes).
#include <cstdint>

#include "detect/model/pickle_value.h"
#include "util/error.h"

namespace refguard::detect::model {

struct JoblibArray {
  uint64_t bytes = 0;         // element data length
  bool padded = false;        // one padding-length byte (and that much padding) comes first
  bool object_dtype = false;  // the data is itself a pickle, read with pickle.load
};

/// True for joblib's NumpyArrayWrapper (also the copy vendored in old scikit-learn).
bool is_joblib_wrapper(const PickleValue& cls);

/// True for numpy.dtype, whose reduce arguments and state the layout needs.
bool is_numpy_dtype(const PickleValue& cls);

/// The layout of the array that follows a wrapper with this state (a dict).
Expected<JoblibArray> joblib_array_layout(const PickleValue& state);

}  // namespace refguard::detect::model
