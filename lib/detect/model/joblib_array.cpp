#include "detect/model/joblib_array.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <string_view>

namespace refguard::detect::model {

namespace {

using Kind = PickleValue::Kind;

const PickleValue* entry(const PickleValue& dict, std::string_view key) {
  if (!dict.is(Kind::kDict)) return nullptr;
  for (const auto& [name, value] : dict.node->entries)
    if (name == key) return &value;
  return nullptr;
}

// numpy pickles a dtype as numpy.dtype("<kind><size>", False, True) plus a
// state tuple whose item 5 is the element size for flexible and structured types.
Expected<uint64_t> item_size(const PickleValue& dtype, bool& object) {
  if (!dtype.is(Kind::kObject) || !is_numpy_dtype(dtype.node->cls)) return fail("its dtype is not a numpy.dtype");
  const PickleValue& state = dtype.node->state;
  if (state.is(Kind::kTuple) && state.node->items.size() > 5 && state.node->items[5].is(Kind::kInt) &&
      state.node->items[5].number > 0)
    return static_cast<uint64_t>(state.node->items[5].number);
  const PickleValue& args = dtype.node->args;
  if (!args.is(Kind::kTuple) || args.node->items.empty() || !args.node->items[0].is(Kind::kString))
    return fail("its dtype has no type string");
  std::string_view text = args.node->items[0].node->text;
  if (!text.empty() && (text[0] == '<' || text[0] == '>' || text[0] == '|' || text[0] == '=')) text.remove_prefix(1);
  if (text.empty()) return fail("its dtype string is empty");
  char kind = text[0];
  if (kind == 'O') {
    object = true;
    return uint64_t{8};
  }
  if (kind == 'M' || kind == 'm') return uint64_t{8};
  uint64_t size = 0;
  auto [end, error] = std::from_chars(text.data() + 1, text.data() + text.size(), size);
  if (error != std::errc() || end != text.data() + text.size() || std::string_view("biufcSUV?").find(kind) == std::string_view::npos)
    return fail(fmt::format("its dtype '{}' is not one joblib writes", text));
  return kind == 'U' ? size * 4 : size;
}

Expected<uint64_t> element_count(const PickleValue& shape) {
  if (!shape.is(Kind::kTuple) || shape.node->truncated) return fail("its shape is not a small tuple");
  uint64_t count = 1;
  for (const auto& dimension : shape.node->items) {
    if (!dimension.is(Kind::kInt) || dimension.number < 0) return fail("its shape holds something other than sizes");
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(dimension.number), &count))
      return fail("its shape overflows");
  }
  return count;
}

}  // namespace

bool is_joblib_wrapper(const PickleValue& cls) {
  if (!cls.is(Kind::kGlobal) || cls.node->name != "NumpyArrayWrapper") return false;
  return cls.node->text == "joblib.numpy_pickle" || cls.node->text == "sklearn.externals.joblib.numpy_pickle";
}

bool is_numpy_dtype(const PickleValue& cls) {
  return cls.is(Kind::kGlobal) && cls.node->name == "dtype" && cls.node->text.starts_with("numpy");
}

Expected<JoblibArray> joblib_array_layout(const PickleValue& state) {
  const PickleValue* shape = entry(state, "shape");
  const PickleValue* dtype = entry(state, "dtype");
  if (!shape || !dtype) return fail("the wrapper's state has no shape or dtype");
  JoblibArray array;
  auto count = element_count(*shape);
  if (!count) return std::unexpected(count.error());
  auto size = item_size(*dtype, array.object_dtype);
  if (!size) return std::unexpected(size.error());
  if (__builtin_mul_overflow(*count, *size, &array.bytes)) return fail("its size overflows");
  const PickleValue* alignment = entry(state, "numpy_array_alignment_bytes");
  array.padded = alignment && alignment->is(Kind::kInt);
  return array;
}

}  // namespace refguard::detect::model
