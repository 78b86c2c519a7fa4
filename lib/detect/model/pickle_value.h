#pragma once
// What the pickle scanner knows about one stack or memo entry. It does not
// build Python objects: it keeps just enough to resolve STACK_GLOBAL operands
// (strings), to tell which calls hit which global, and to read joblib's array
// headers (small ints, tuples, dicts, numpy dtypes). Everything else is kOther.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace refguard::detect::model {

struct PickleNode;

struct PickleValue {
  enum class Kind : uint8_t {
    kOther,       // anything the scanner does not model
    kString,      // a str whose text is in node->text
    kLongString,  // a str too long (or too many) to keep: known to be a str, text unknown
    kInt,         // `number` holds it
    kNone,
    kTuple,       // node->items (at most PickleLimits::max_kept_items; node->truncated if more)
    kDict,        // node->entries with str keys
    kGlobal,      // node->text = module, node->name = name, node->global_index
    kObject,      // node->cls (a kGlobal), node->args, node->state (set by BUILD)
  };

  Kind kind = Kind::kOther;
  int64_t number = 0;
  // Shared and mutable on purpose: the memo and the stack refer to the same
  // Python object, and BUILD must update what a later GET returns.
  std::shared_ptr<PickleNode> node;

  bool is(Kind k) const { return kind == k; }
};

// A pickle can nest containers as deep as its byte count allows (TUPLE1 is
// one byte: 260,000 levels in half a megabyte); the destructor therefore
// tears the tree down with a heap stack instead of recursing (pickle_value.cpp).
struct PickleNode {
  PickleNode() = default;
  PickleNode(const PickleNode&) = delete;
  PickleNode& operator=(const PickleNode&) = delete;
  ~PickleNode();

  std::string text;
  std::string name;
  size_t global_index = 0;
  std::vector<PickleValue> items;
  std::vector<std::pair<std::string, PickleValue>> entries;
  bool truncated = false;
  PickleValue cls;
  PickleValue args;
  PickleValue state;
};

}  // namespace refguard::detect::model
