#pragma once
// A parser for the small subset of Python literals an .npy header holds:
// dicts, lists, tuples, str, int, True, False, None. Depth and size are bounded
// by the (already bounded) header text.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace refguard::detect::model {

struct PyLiteral {
  enum class Kind { kNone, kBool, kInt, kStr, kTuple, kList, kDict };
  Kind kind = Kind::kNone;
  int64_t number = 0;  // kBool, kInt
  std::string text;    // kStr
  // Not std::pair<PyLiteral, PyLiteral>: a pair of an incomplete type is undefined,
  // and clang rejects it with libstdc++ 12; a vector of one is allowed.
  struct Entry;
  std::vector<PyLiteral> items;  // kTuple, kList
  std::vector<Entry> entries;    // kDict

  /// The value under a str key of a dict, or nullptr.
  const PyLiteral* get(std::string_view key) const;
};

struct PyLiteral::Entry {
  PyLiteral key;
  PyLiteral value;
};

Expected<PyLiteral> parse_py_literal(std::string_view text);

}  // namespace refguard::detect::model
