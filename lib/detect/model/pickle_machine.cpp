#include "detect/model/pickle_machine.h"

#include <fmt/format.h>

#include "detect/model/pickle_opcodes.h"
#include "detect/model/pickle_text.h"

namespace refguard::detect::model {

PickleResult scan_pickle(StreamReader& reader, const PickleLimits& limits) {
  PickleResult result;
  PickleSink sink{result, {}, {}};
  PickleMachine(reader, limits, sink, 0).run();
  return result;
}

PickleMachine::PickleMachine(StreamReader& in, const PickleLimits& limits, PickleSink& sink, int depth)
    : in_(in), limits_(limits), sink_(sink), depth_(depth) {}

void PickleMachine::run() {
  PickleResult& result = sink_.result;
  if (depth_ == 0) result.begin = in_.offset();
  for (uint64_t count = 0; !stopped_ && !result.error; ++count) {
    op_offset_ = in_.offset();
    auto op = in_.byte();
    if (!op) {
      op_name_ = "the next opcode";
      if (in_.failure() == StreamReader::Failure::kEnd) fail("truncated: the data ends before STOP");
      else truncated();
      break;
    }
    op_name_ = opcode_name(*op);
    if (op_name_.empty()) {
      fail(fmt::format("unknown opcode 0x{:02x}", *op));
      break;
    }
    if (count >= limits_.max_opcodes) {
      fail(fmt::format("more than {} opcodes", limits_.max_opcodes));
      break;
    }
    if (!step(*op)) break;
  }
  if (depth_ == 0) result.end = in_.offset();
}

bool PickleMachine::fail(std::string why) {
  if (!sink_.result.error) sink_.result.error = PickleError{op_offset_, std::move(why)};
  return false;
}

bool PickleMachine::truncated() {
  switch (in_.failure()) {
    case StreamReader::Failure::kBudget:
      return fail(fmt::format("max_scan_bytes was reached reading {}; the rest was not inspected", op_name_));
    case StreamReader::Failure::kStream:
      return fail(fmt::format("cannot read {}: {}", op_name_, in_.failure_text()));
    default:
      return fail(fmt::format("truncated: the data ends inside {}", op_name_));
  }
}

bool PickleMachine::step(uint8_t byte) {
  switch (static_cast<Op>(byte)) {
    case Op::kProto: {
      auto version = fixed<uint8_t>();
      if (!version) return false;
      if (*version > kHighestProtocol) return fail(fmt::format("unsupported pickle protocol {}", *version));
      sink_.result.protocol = *version;
      return true;
    }
    case Op::kFrame: {
      auto size = fixed<uint64_t>();
      if (!size) return false;
      return check_length(*size);  // frames only group opcodes; what matters is that the bytes exist
    }
    case Op::kStop: {
      if (!pop()) return false;
      stopped_ = true;
      return true;
    }
    case Op::kMark:
      if (marks_.size() >= limits_.max_marks) return fail(fmt::format("more than {} nested MARKs", limits_.max_marks));
      marks_.push_back(stack_.size());
      return true;
    case Op::kPop: return pop_op();
    case Op::kPopMark: return discard_mark();
    case Op::kDup: {
      PickleValue* value = top();
      if (!value) return false;
      PickleValue copy = *value;  // push may reallocate the stack under `value`
      return push(std::move(copy));
    }
    case Op::kNone: return push(PickleValue{Kind::kNone, 0, nullptr});
    case Op::kNewTrue: return push(int_value(1));
    case Op::kNewFalse: return push(int_value(0));
    case Op::kInt: return int_line(false);
    case Op::kLong: return int_line(true);
    case Op::kFloat: return line_arg(0, "FLOAT argument") && push({});
    case Op::kBinFloat: return in_.skip(8) ? push({}) : truncated();
    case Op::kBinInt: {
      auto value = fixed<int32_t>();
      return value && push(int_value(*value));
    }
    case Op::kBinInt1: {
      auto value = fixed<uint8_t>();
      return value && push(int_value(*value));
    }
    case Op::kBinInt2: {
      auto value = fixed<uint16_t>();
      return value && push(int_value(*value));
    }
    case Op::kLong1: {
      auto length = fixed<uint8_t>();
      return length && long_payload(*length);
    }
    case Op::kLong4: {
      auto length = fixed<int32_t>();
      if (!length) return false;
      if (*length < 0) return fail("LONG4 has a negative byte count");
      return long_payload(static_cast<uint64_t>(*length));
    }
    case Op::kString: return string_line();
    case Op::kUnicode: return unicode_line();
    case Op::kBinString: {
      auto length = fixed<int32_t>();
      if (!length) return false;
      if (*length < 0) return fail("BINSTRING has a negative byte count");
      return text_payload(static_cast<uint64_t>(*length));
    }
    case Op::kShortBinString: return sized_text<uint8_t>();
    case Op::kBinUnicode: return sized_text<uint32_t>();
    case Op::kShortBinUnicode: return sized_text<uint8_t>();
    case Op::kBinUnicode8: return sized_text<uint64_t>();
    case Op::kBinBytes: return sized_bytes<uint32_t>();
    case Op::kShortBinBytes: return sized_bytes<uint8_t>();
    case Op::kBinBytes8:
    case Op::kByteArray8: return sized_bytes<uint64_t>();
    case Op::kNextBuffer: return push({});
    case Op::kReadOnlyBuffer: return top() != nullptr;
    case Op::kEmptyTuple: return push(tuple_value({}));
    case Op::kTuple1:
    case Op::kTuple2:
    case Op::kTuple3: {
      size_t count = byte - static_cast<uint8_t>(Op::kTuple1) + 1;
      if (stack_.size() < fence() + count) return fail(fmt::format("stack underflow at {}", op_name_));
      std::vector<PickleValue> items(std::make_move_iterator(stack_.end() - static_cast<ptrdiff_t>(count)),
                                     std::make_move_iterator(stack_.end()));
      stack_.resize(stack_.size() - count);
      return push(tuple_value(std::move(items)));
    }
    case Op::kTuple: {
      auto items = pop_mark();
      return items && push(tuple_value(std::move(*items)));
    }
    case Op::kEmptyList:
    case Op::kEmptySet: return push({});
    case Op::kList:
    case Op::kFrozenSet: return discard_mark() && push({});
    case Op::kEmptyDict: return push(dict_value({}));
    case Op::kDict: {
      auto items = pop_mark();
      if (!items) return false;
      if (items->size() % 2 != 0) return fail("odd number of items for DICT");
      return push(dict_value(std::move(*items)));
    }
    case Op::kAppend: return pop() && top();
    case Op::kAppends:
    case Op::kAddItems: return discard_mark() && top();
    case Op::kSetItem: {
      auto value = pop();
      auto key = value ? pop() : std::nullopt;
      PickleValue* dict = key ? top() : nullptr;
      if (!dict) return false;
      std::vector<PickleValue> items{std::move(*key), std::move(*value)};
      dict_insert(*dict, items);
      return true;
    }
    case Op::kSetItems: {
      auto items = pop_mark();
      if (!items) return false;
      if (items->size() % 2 != 0) return fail("odd number of items for SETITEMS");
      PickleValue* dict = top();
      if (!dict) return false;
      dict_insert(*dict, *items);
      return true;
    }
    case Op::kGlobal: return global_op(false);
    case Op::kInst: return global_op(true);
    case Op::kStackGlobal: return stack_global();
    case Op::kReduce: return reduce();
    case Op::kNewObj: return new_object(false);
    case Op::kNewObjEx: return new_object(true);
    case Op::kObj: return obj();
    case Op::kBuild: return build();
    case Op::kExt1: {
      auto code = fixed<uint8_t>();
      return code && extension(*code);
    }
    case Op::kExt2: {
      auto code = fixed<uint16_t>();
      return code && extension(*code);
    }
    case Op::kExt4: {
      auto code = fixed<int32_t>();
      return code && extension(static_cast<uint32_t>(*code));
    }
    case Op::kPersId: return line_arg(0, "PERSID argument") && push({});
    case Op::kBinPersId: return pop() && push({});
    case Op::kPut: {
      auto text = line_arg(32, "PUT argument");
      if (!text) return false;
      auto index = parse_memo_index(*text);
      return index ? memo_put(*index) : fail("PUT argument is not a memo index");
    }
    case Op::kBinPut: {
      auto index = fixed<uint8_t>();
      return index && memo_put(*index);
    }
    case Op::kLongBinPut: {
      auto index = fixed<uint32_t>();
      return index && memo_put(*index);
    }
    case Op::kMemoize: return memo_put(memo_length_);
    case Op::kGet: {
      auto text = line_arg(32, "GET argument");
      if (!text) return false;
      auto index = parse_memo_index(*text);
      return index ? memo_get(*index) : fail("GET argument is not a memo index");
    }
    case Op::kBinGet: {
      auto index = fixed<uint8_t>();
      return index && memo_get(*index);
    }
    case Op::kLongBinGet: {
      auto index = fixed<uint32_t>();
      return index && memo_get(*index);
    }
  }
  return fail(fmt::format("unhandled opcode 0x{:02x}", byte));
}

bool PickleMachine::push(PickleValue value) {
  if (stack_.size() >= limits_.max_stack) return fail(fmt::format("stack deeper than {} entries", limits_.max_stack));
  stack_.push_back(std::move(value));
  return true;
}

std::optional<PickleValue> PickleMachine::pop() {
  if (stack_.size() <= fence()) {
    fail(fmt::format("stack underflow at {}", op_name_));
    return std::nullopt;
  }
  PickleValue value = std::move(stack_.back());
  stack_.pop_back();
  return value;
}

PickleValue* PickleMachine::top() {
  if (stack_.size() <= fence()) {
    fail(fmt::format("stack underflow at {}", op_name_));
    return nullptr;
  }
  return &stack_.back();
}

std::optional<std::vector<PickleValue>> PickleMachine::pop_mark() {
  if (marks_.empty()) {
    fail(fmt::format("{} without a MARK", op_name_));
    return std::nullopt;
  }
  size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<PickleValue> items(std::make_move_iterator(stack_.begin() + static_cast<ptrdiff_t>(mark)),
                                 std::make_move_iterator(stack_.end()));
  stack_.resize(mark);
  return items;
}

bool PickleMachine::discard_mark() {
  if (marks_.empty()) return fail(fmt::format("{} without a MARK", op_name_));
  stack_.resize(marks_.back());
  marks_.pop_back();
  return true;
}

bool PickleMachine::pop_op() {
  // CPython pops the newest MARK when nothing was pushed after it.
  if (!marks_.empty() && marks_.back() == stack_.size()) {
    marks_.pop_back();
    return true;
  }
  return pop().has_value();
}

bool PickleMachine::memo_put(uint64_t index) {
  PickleValue* value = top();
  if (!value) return false;
  auto found = memo_.find(index);
  if (found != memo_.end()) {
    found->second = *value;
    return true;
  }
  ++memo_length_;
  if (memo_.size() >= limits_.max_memo) {
    memo_overflow_ = true;
    return true;
  }
  memo_.emplace(index, *value);
  return true;
}

bool PickleMachine::memo_get(uint64_t index) {
  auto found = memo_.find(index);
  if (found != memo_.end()) return push(found->second);
  if (memo_overflow_) return push({});  // dropped by the memo limit: known to exist, value unknown
  return fail(fmt::format("{} of memo index {}, which was never stored", op_name_, index));
}

}  // namespace refguard::detect::model
