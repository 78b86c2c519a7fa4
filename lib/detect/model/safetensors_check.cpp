#include "detect/model/safetensors_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/nesting_depth.h"

namespace refguard::detect::model {

namespace {

using nlohmann::json;

// Element sizes in bits: some dtypes are narrower than a byte.
struct Dtype {
  std::string_view name;
  uint64_t bits;
};
constexpr Dtype kDtypes[] = {
    {"BOOL", 8}, {"U8", 8}, {"I8", 8}, {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
    {"U16", 16}, {"F16", 16}, {"BF16", 16}, {"I32", 32}, {"U32", 32}, {"F32", 32}, {"C64", 64},
    {"F64", 64}, {"I64", 64}, {"U64", 64}, {"F4", 4}, {"F6_E2M3", 6}, {"F6_E3M2", 6},
};

struct Tensor {
  std::string name;
  uint64_t begin;
  uint64_t end;
};

uint64_t read_length(std::string_view head) {
  uint64_t length = 0;
  for (size_t i = 8; i-- > 0;) length = (length << 8) | static_cast<uint8_t>(head[i]);
  return length;
}

bool is_offset(const json& value) { return value.is_number_unsigned(); }

Expected<Tensor> check_tensor(const std::string& name, const json& info) {
  if (!info.is_object()) return fail(fmt::format("tensor '{}' is not an object", name));
  auto dtype = info.find("dtype");
  auto shape = info.find("shape");
  auto offsets = info.find("data_offsets");
  if (dtype == info.end() || shape == info.end() || offsets == info.end())
    return fail(fmt::format("tensor '{}' lacks dtype, shape or data_offsets", name));
  if (!dtype->is_string()) return fail(fmt::format("tensor '{}' has a dtype that is not a string", name));
  auto known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                            [&](const Dtype& d) { return d.name == dtype->get_ref<const std::string&>(); });
  if (known == std::end(kDtypes)) return fail(fmt::format("tensor '{}' has unknown dtype {}", name, dtype->dump()));
  if (!offsets->is_array() || offsets->size() != 2 || !is_offset((*offsets)[0]) || !is_offset((*offsets)[1]))
    return fail(fmt::format("tensor '{}' data_offsets is not [begin, end]", name));
  Tensor tensor{name, (*offsets)[0].get<uint64_t>(), (*offsets)[1].get<uint64_t>()};
  if (tensor.end < tensor.begin) return fail(fmt::format("tensor '{}' data_offsets end before they begin", name));
  if (!shape->is_array()) return fail(fmt::format("tensor '{}' shape is not an array", name));
  uint64_t bits = known->bits;
  for (const auto& dimension : *shape) {
    if (!dimension.is_number_unsigned()) return fail(fmt::format("tensor '{}' shape holds a non-size", name));
    if (__builtin_mul_overflow(bits, dimension.get<uint64_t>(), &bits))
      return fail(fmt::format("tensor '{}' shape overflows", name));
  }
  if (bits % 8 != 0 || bits / 8 != tensor.end - tensor.begin)
    return fail(fmt::format("tensor '{}' shape {} of {} needs {} bits but data_offsets span {} bytes", name,
                            shape->dump(), dtype->get_ref<const std::string&>(), bits, tensor.end - tensor.begin));
  return tensor;
}

Expected<void> check_layout(std::vector<Tensor>& tensors, uint64_t data_size) {
  std::sort(tensors.begin(), tensors.end(), [](const Tensor& a, const Tensor& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const auto& tensor : tensors) {
    if (tensor.begin < expected) return fail(fmt::format("tensor '{}' overlaps the tensor before it", tensor.name));
    if (tensor.begin > expected) return fail(fmt::format("a gap of unused bytes precedes tensor '{}'", tensor.name));
    expected = tensor.end;
  }
  if (expected > data_size)
    return fail(fmt::format("tensors need {} data bytes but the file holds {}", expected, data_size));
  if (expected < data_size)
    return fail(fmt::format("{} bytes after the last tensor belong to none", data_size - expected));
  return {};
}

}  // namespace

bool looks_like_safetensors(std::string_view head, uint64_t size) {
  if (head.size() < 9 || head[8] != '{') return false;
  uint64_t length = read_length(head);
  return length >= 2 && length <= size - 8;
}

Expected<void> check_safetensors(const ByteSource& source) {
  uint64_t size = source.size();
  char head[8];
  if (size < 8 || !read_exact(source, 0, head, sizeof(head))) return fail("shorter than the 8-byte header length");
  uint64_t length = read_length(std::string_view(head, 8));
  if (length > size - 8) return fail(fmt::format("header length {} runs past the end of the {}-byte file", length, size));
  if (length > kMaxSafetensorsHeader) return fail(fmt::format("header length {} exceeds the 100 MB limit", length));
  std::string text(length, '\0');
  if (!read_exact(source, 8, text.data(), text.size())) return fail("cannot read the header");
  if (!text.starts_with('{')) return fail("the header does not start with '{'");
  // A tensor table nests three levels; a header nested deeper is an attack on the parser's callers.
  constexpr size_t kMaxHeaderDepth = 64;
  if (json_nesting_depth(text, kMaxHeaderDepth) > kMaxHeaderDepth)
    return fail(fmt::format("the header nests deeper than {} levels", kMaxHeaderDepth));
  json header = json::parse(text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return fail("the header is not a JSON object");
  std::vector<Tensor> tensors;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object() || !std::all_of(info.begin(), info.end(), [](const json& v) { return v.is_string(); }))
        return fail("__metadata__ is not a map of strings");
      continue;
    }
    auto tensor = check_tensor(name, info);
    if (!tensor) return std::unexpected(tensor.error());
    tensors.push_back(std::move(*tensor));
  }
  return check_layout(tensors, size - 8 - length);
}

}  // namespace refguard::detect::model
