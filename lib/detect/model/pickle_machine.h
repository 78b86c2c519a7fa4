#pragma once
// Internal to the pickle scanner: the symbolic unpickler. Split from
// pickle_scanner.h so the public header stays the manual and this one can
// carry every handler. One machine walks one pickle; nested pickles (joblib
// object arrays) get their own machine sharing the same result.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "detect/model/pickle_scanner.h"
#include "detect/model/pickle_value.h"

namespace refguard::detect::model {

/// The result being filled and the (module, name) -> index table shared by nested machines.
struct PickleSink {
  PickleResult& result;
  std::unordered_map<std::string, size_t> global_index;
  std::vector<std::shared_ptr<PickleNode>> global_nodes;  // one shared node per distinct global
};

class PickleMachine {
 public:
  PickleMachine(StreamReader& in, const PickleLimits& limits, PickleSink& sink, int depth);
  /// Walks through STOP; on failure records the first error in the sink's result.
  void run();

 private:
  using Kind = PickleValue::Kind;

  bool step(uint8_t op);
  bool fail(std::string why);
  bool truncated();

  // Stack and marks: like CPython, items below the newest MARK cannot be popped.
  size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  bool push(PickleValue value);
  std::optional<PickleValue> pop();
  PickleValue* top();
  std::optional<std::vector<PickleValue>> pop_mark();
  bool discard_mark();  // pop_mark when the items are not needed (APPENDS of a large list)
  bool pop_op();

  // Memo.
  bool memo_put(uint64_t index);
  bool memo_get(uint64_t index);

  // Arguments.
  template <class T>
  std::optional<T> fixed();
  std::optional<std::string> line_arg(size_t max_keep, std::string_view what);
  bool check_length(uint64_t length);
  bool text_payload(uint64_t length);
  bool bytes_payload(uint64_t length);
  bool long_payload(uint64_t length);
  template <class T>
  bool sized_text();
  template <class T>
  bool sized_bytes();

  // Protocol 0 text opcodes.
  bool int_line(bool is_long);
  bool string_line();
  bool unicode_line();

  // Values.
  PickleValue string_value(std::string text);
  PickleValue int_value(int64_t number) const;
  PickleValue tuple_value(std::vector<PickleValue> items);
  PickleValue dict_value(std::vector<PickleValue> items);
  void dict_insert(PickleValue& dict, std::vector<PickleValue>& items);
  bool keep(size_t bytes);

  // Globals and calls.
  bool import_global(std::string module, std::string name);
  bool global_op(bool is_inst);
  bool stack_global();
  PickleValue call(const PickleValue& callable, PickleValue args);
  void note_call(const PickleValue& callable);
  bool reduce();
  bool new_object(bool with_kwargs);
  bool obj();
  bool build();
  bool joblib_array(PickleValue& wrapper);
  bool extension(uint32_t code);

  StreamReader& in_;
  const PickleLimits& limits_;
  PickleSink& sink_;
  int depth_;
  std::string_view op_name_;
  uint64_t op_offset_ = 0;
  std::vector<PickleValue> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValue> memo_;
  uint64_t memo_length_ = 0;   // CPython's len(memo), which MEMOIZE uses as the next index
  bool memo_overflow_ = false;  // some PUT was dropped: a GET of a missing index is then unknown, not an error
  size_t kept_bytes_ = 0;
  bool stopped_ = false;
};

template <class T>
std::optional<T> PickleMachine::fixed() {
  uint8_t bytes[sizeof(T)];
  if (!in_.read(bytes, sizeof(T))) {
    truncated();
    return std::nullopt;
  }
  using Unsigned = std::make_unsigned_t<T>;
  Unsigned value = 0;
  for (size_t i = sizeof(T); i-- > 0;) value = static_cast<Unsigned>((uint64_t{value} << 8) | bytes[i]);  // little-endian
  return static_cast<T>(value);
}

template <class T>
bool PickleMachine::sized_text() {
  auto length = fixed<T>();
  return length && text_payload(*length);
}

template <class T>
bool PickleMachine::sized_bytes() {
  auto length = fixed<T>();
  return length && bytes_payload(*length);
}

}  // namespace refguard::detect::model
