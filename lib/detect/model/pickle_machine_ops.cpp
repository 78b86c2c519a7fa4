// The PickleMachine handlers for arguments, values, globals and calls.
#include <fmt/format.h>

#include <algorithm>

#include "detect/model/joblib_array.h"
#include "detect/model/pickle_machine.h"
#include "detect/model/pickle_text.h"

namespace refguard::detect::model {

namespace {
// Rough cost of one kept node, charged against max_kept_bytes.
constexpr size_t kNodeCost = sizeof(PickleNode) + 16;

bool is_reconstructor(const PickleValue& callable) {
  if (!callable.is(PickleValue::Kind::kGlobal)) return false;
  const auto& node = *callable.node;
  return (node.text == "copyreg" || node.text == "copy_reg") && (node.name == "_reconstructor" || node.name == "__newobj__");
}
}  // namespace

// ---- arguments ---------------------------------------------------------------

std::optional<std::string> PickleMachine::line_arg(size_t max_keep, std::string_view what) {
  auto line = in_.line(max_keep);
  if (!line) {
    truncated();
    return std::nullopt;
  }
  if (max_keep > 0 && line->length > max_keep) {
    fail(fmt::format("{} is longer than {} bytes", what, max_keep));
    return std::nullopt;
  }
  return std::move(line->kept);
}

bool PickleMachine::check_length(uint64_t length) {
  // Never trust a declared length: compare it with what is actually left.
  auto left = in_.remaining();
  if (left && length > *left)
    return fail(fmt::format("truncated: {} declares {} bytes but only {} remain", op_name_, length, *left));
  return true;
}

bool PickleMachine::text_payload(uint64_t length) {
  if (!check_length(length)) return false;
  if (length <= limits_.max_kept_string) {
    std::string text(length, '\0');
    if (!in_.read(text.data(), text.size())) return truncated();
    return push(string_value(std::move(text)));
  }
  if (!in_.skip(length)) return truncated();
  return push(PickleValue{Kind::kLongString, 0, nullptr});
}

bool PickleMachine::bytes_payload(uint64_t length) {
  if (!check_length(length)) return false;
  if (!in_.skip(length)) return truncated();
  return push({});
}

bool PickleMachine::long_payload(uint64_t length) {
  if (!check_length(length)) return false;
  if (length > 8) return in_.skip(length) ? push({}) : truncated();
  uint8_t bytes[8] = {};
  if (!in_.read(bytes, length)) return truncated();
  uint64_t value = length > 0 && (bytes[length - 1] & 0x80) ? ~uint64_t{0} : 0;  // two's complement sign
  for (size_t i = length; i-- > 0;) value = (value << 8) | bytes[i];
  return push(int_value(static_cast<int64_t>(value)));
}

bool PickleMachine::int_line(bool is_long) {
  auto text = line_arg(0, is_long ? "LONG argument" : "INT argument");
  if (!text) return false;
  // Values are only needed for small things (joblib shapes); digits are kept up to 64.
  auto line = std::string_view(*text);
  if (!is_long && (line == "00" || line == "01")) return push(int_value(line == "01"));
  auto value = line.size() <= 64 ? parse_int_literal(line) : std::nullopt;
  return push(value ? int_value(*value) : PickleValue{});
}

bool PickleMachine::string_line() {
  auto line = in_.line(limits_.max_kept_string + 2);
  if (!line) return truncated();
  if (line->length > limits_.max_kept_string + 2) return push(PickleValue{Kind::kLongString, 0, nullptr});
  auto text = decode_string_literal(line->kept);
  if (!text) return fail(text.error().message);
  return push(string_value(std::move(*text)));
}

bool PickleMachine::unicode_line() {
  auto line = in_.line(limits_.max_kept_string);
  if (!line) return truncated();
  if (line->length > limits_.max_kept_string) return push(PickleValue{Kind::kLongString, 0, nullptr});
  auto text = decode_raw_unicode_escape(line->kept);
  if (!text) return fail(text.error().message);
  return push(string_value(std::move(*text)));
}

// ---- values ------------------------------------------------------------------

bool PickleMachine::keep(size_t bytes) {
  if (kept_bytes_ + bytes > limits_.max_kept_bytes) return false;
  kept_bytes_ += bytes;
  return true;
}

PickleValue PickleMachine::string_value(std::string text) {
  // Past the budget a str stays a str, but an unreadable one: STACK_GLOBAL on it fails closed.
  if (!keep(text.size() + kNodeCost)) return PickleValue{Kind::kLongString, 0, nullptr};
  auto node = std::make_shared<PickleNode>();
  node->text = std::move(text);
  return PickleValue{Kind::kString, 0, std::move(node)};
}

PickleValue PickleMachine::int_value(int64_t number) const { return PickleValue{Kind::kInt, number, nullptr}; }

PickleValue PickleMachine::tuple_value(std::vector<PickleValue> items) {
  size_t kept = std::min(items.size(), limits_.max_kept_items);
  if (!keep(kNodeCost + kept * sizeof(PickleValue))) return {};
  auto node = std::make_shared<PickleNode>();
  node->truncated = items.size() > kept;
  items.resize(kept);
  node->items = std::move(items);
  return PickleValue{Kind::kTuple, 0, std::move(node)};
}

PickleValue PickleMachine::dict_value(std::vector<PickleValue> items) {
  if (!keep(kNodeCost)) return {};
  PickleValue dict{Kind::kDict, 0, std::make_shared<PickleNode>()};
  dict_insert(dict, items);
  return dict;
}

void PickleMachine::dict_insert(PickleValue& dict, std::vector<PickleValue>& items) {
  if (!dict.is(Kind::kDict)) return;
  auto& entries = dict.node->entries;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (!items[i].is(Kind::kString)) continue;
    const std::string& key = items[i].node->text;
    auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& entry) { return entry.first == key; });
    if (same != entries.end()) {
      same->second = std::move(items[i + 1]);
    } else if (entries.size() < limits_.max_kept_items && keep(key.size() + sizeof(PickleValue) * 2)) {
      entries.emplace_back(key, std::move(items[i + 1]));
    } else {
      dict.node->truncated = true;
    }
  }
}

// ---- globals and calls ---------------------------------------------------------

bool PickleMachine::import_global(std::string module, std::string name) {
  std::string key = module + '\n' + name;
  auto found = sink_.global_index.find(key);
  size_t index = 0;
  if (found != sink_.global_index.end()) {
    index = found->second;
  } else {
    if (sink_.result.globals.size() >= limits_.max_globals)
      return fail(fmt::format("imports more than {} distinct globals", limits_.max_globals));
    index = sink_.result.globals.size();
    sink_.global_index.emplace(std::move(key), index);
    auto node = std::make_shared<PickleNode>();
    node->text = module, node->name = name, node->global_index = index;
    sink_.global_nodes.push_back(std::move(node));
    sink_.result.globals.push_back(PickleGlobal{std::move(module), std::move(name), op_offset_, false});
  }
  return push(PickleValue{Kind::kGlobal, 0, sink_.global_nodes[index]});
}

bool PickleMachine::global_op(bool is_inst) {
  auto module = line_arg(limits_.max_kept_string, fmt::format("{} module name", op_name_));
  auto name = module ? line_arg(limits_.max_kept_string, fmt::format("{} global name", op_name_)) : std::nullopt;
  if (!name || !import_global(std::move(*module), std::move(*name))) return false;
  if (!is_inst) return true;
  PickleValue cls = std::move(stack_.back());
  stack_.pop_back();
  auto items = pop_mark();
  return items && push(call(cls, tuple_value(std::move(*items))));
}

bool PickleMachine::stack_global() {
  auto name = pop();
  auto module = name ? pop() : std::nullopt;
  if (!module) return false;
  auto describe = [](const PickleValue& value) {
    return value.is(Kind::kLongString) ? "a str too long to inspect" : "not a str";
  };
  if (!module->is(Kind::kString)) return fail(fmt::format("STACK_GLOBAL module is {}", describe(*module)));
  if (!name->is(Kind::kString)) return fail(fmt::format("STACK_GLOBAL name is {}", describe(*name)));
  return import_global(module->node->text, name->node->text);
}

void PickleMachine::note_call(const PickleValue& callable) {
  if (callable.is(Kind::kGlobal)) sink_.result.globals[callable.node->global_index].called = true;
}

PickleValue PickleMachine::call(const PickleValue& callable, PickleValue args) {
  note_call(callable);
  const PickleValue* cls = &callable;
  // copyreg._reconstructor(cls, base, state) builds an instance of its first argument.
  if (is_reconstructor(callable) && args.is(Kind::kTuple) && !args.node->items.empty()) {
    cls = &args.node->items[0];
    note_call(*cls);
  }
  // Only objects the joblib array reader needs are modelled; the rest are opaque.
  if (!is_joblib_wrapper(*cls) && !is_numpy_dtype(*cls)) return {};
  if (!keep(kNodeCost)) return {};
  auto node = std::make_shared<PickleNode>();
  node->cls = *cls;
  node->args = std::move(args);
  return PickleValue{Kind::kObject, 0, std::move(node)};
}

bool PickleMachine::reduce() {
  auto args = pop();
  PickleValue* callable = args ? top() : nullptr;
  if (!callable) return false;
  *callable = call(*callable, std::move(*args));
  return true;
}

bool PickleMachine::new_object(bool with_kwargs) {
  if (with_kwargs && !pop()) return false;
  auto args = pop();
  PickleValue* cls = args ? top() : nullptr;
  if (!cls) return false;
  *cls = call(*cls, std::move(*args));
  return true;
}

bool PickleMachine::obj() {
  auto items = pop_mark();
  if (!items) return false;
  if (items->empty()) return fail("OBJ without a class");
  PickleValue cls = std::move(items->front());
  items->erase(items->begin());
  return push(call(cls, tuple_value(std::move(*items))));
}

bool PickleMachine::build() {
  auto state = pop();
  PickleValue* target = state ? top() : nullptr;
  if (!target) return false;
  if (!target->is(Kind::kObject)) return true;
  target->node->state = std::move(*state);
  if (!is_joblib_wrapper(target->node->cls)) return true;
  PickleValue wrapper = std::move(*target);
  *target = PickleValue{};  // joblib's unpickler replaces the wrapper with the array it reads
  return joblib_array(wrapper);
}

bool PickleMachine::joblib_array(PickleValue& wrapper) {
  auto layout = joblib_array_layout(wrapper.node->state);
  if (!layout) return fail("joblib array data follows, but " + layout.error().message + "; cannot find where the pickle resumes");
  sink_.result.joblib_arrays = true;
  if (layout->object_dtype) {
    // joblib reads an object array with a nested pickle.load from the same stream.
    if (depth_ + 1 > limits_.max_nesting) return fail("joblib arrays nested too deeply");
    PickleMachine nested(in_, limits_, sink_, depth_ + 1);
    nested.run();
    return !sink_.result.error;
  }
  if (layout->padded) {
    auto padding = fixed<uint8_t>();
    if (!padding || !check_length(*padding)) return false;
    if (!in_.skip(*padding)) return truncated();
  }
  if (!check_length(layout->bytes)) return false;
  return in_.skip(layout->bytes) || truncated();
}

bool PickleMachine::extension(uint32_t code) {
  if (code == 0 || code > 0x7fffffff) return fail("EXT specifies code <= 0");
  sink_.result.extension_codes.emplace_back(code, op_offset_);
  return push({});
}

}  // namespace refguard::detect::model
