#include "detect/model/npy_header.h"

#include <fmt/format.h>

#include "detect/model/py_literal.h"

namespace refguard::detect::model {

namespace {

// numpy itself refuses headers over 10000 bytes unless told otherwise; allow more, but bounded.
constexpr uint64_t kMaxHeader = 1 << 20;

bool descr_has_object(const PyLiteral& descr) {
  if (descr.kind == PyLiteral::Kind::kStr) {
    std::string_view text = descr.text;
    if (!text.empty() && (text[0] == '<' || text[0] == '>' || text[0] == '|' || text[0] == '=')) text.remove_prefix(1);
    return text.starts_with('O');
  }
  // Structured dtypes: a list of (name, type[, shape]) tuples, types possibly nested.
  if (descr.kind == PyLiteral::Kind::kList) {
    for (const auto& field : descr.items)
      if (field.kind == PyLiteral::Kind::kTuple && field.items.size() >= 2 && descr_has_object(field.items[1])) return true;
  }
  return false;
}

}  // namespace

Expected<NpyHeader> read_npy_header(StreamReader& reader) {
  uint8_t preamble[8];
  if (!reader.read(preamble, sizeof(preamble)) || std::string_view(reinterpret_cast<char*>(preamble), 6) != kNpyMagic)
    return fail("not an .npy file");
  uint8_t major = preamble[6];
  if (major < 1 || major > 3) return fail(fmt::format("unknown .npy version {}.{}", major, preamble[7]));
  uint8_t length_bytes[4] = {};
  size_t width = major == 1 ? 2 : 4;
  if (!reader.read(length_bytes, width)) return fail("the .npy header length is truncated");
  uint64_t length = length_bytes[0] | (length_bytes[1] << 8) | (uint64_t{length_bytes[2]} << 16) | (uint64_t{length_bytes[3]} << 24);
  auto left = reader.remaining();
  if (length > kMaxHeader || (left && length > *left))
    return fail(fmt::format("the .npy header claims {} bytes", length));
  std::string text(length, '\0');
  if (!reader.read(text.data(), text.size())) return fail("the .npy header is truncated");
  auto dict = parse_py_literal(text);
  if (!dict) return fail("the .npy header is not a Python literal: " + dict.error().message);
  const PyLiteral* descr = dict->kind == PyLiteral::Kind::kDict ? dict->get("descr") : nullptr;
  if (!descr || !dict->get("shape")) return fail("the .npy header has no 'descr' or 'shape'");
  NpyHeader header;
  header.descr = descr->kind == PyLiteral::Kind::kStr ? descr->text : "(structured)";
  header.object_dtype = descr_has_object(*descr);
  return header;
}

}  // namespace refguard::detect::model
