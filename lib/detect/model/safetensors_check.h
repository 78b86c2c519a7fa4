#pragma once
// Validation of a .safetensors file's header, as the safetensors library does
// before it trusts one: an 8-byte little-endian length, a JSON object within
// the file, and for every tensor a known dtype, a shape whose size matches its
// data_offsets, offsets inside the data section, no overlaps and no gaps.
// Only the header is read, never the tensor data.
#include <cstdint>
#include <string_view>

#include "detect/model/byte_source.h"
#include "util/error.h"

namespace refguard::detect::model {

/// The safetensors library's own limit on the header.
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

/// True when the first bytes look like a safetensors header of a file this size.
bool looks_like_safetensors(std::string_view head, uint64_t size);

/// Succeeds for a sound file; otherwise says what is wrong with it.
Expected<void> check_safetensors(const ByteSource& source);

}  // namespace refguard::detect::model
