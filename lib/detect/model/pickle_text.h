#pragma once
// Decoding of the text arguments of protocol 0 opcodes, exactly as CPython's
// unpickler does it, so an attacker cannot spell "os" as "\x6fs" (STRING) or
// "\u006fs" (UNICODE) and slip past the global checks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

namespace refguard::detect::model {

/// STRING's argument: a quoted Python 2 str literal, decoded with codecs.escape_decode.
Expected<std::string> decode_string_literal(std::string_view quoted);

/// UNICODE's argument: raw-unicode-escape, returned as UTF-8.
Expected<std::string> decode_raw_unicode_escape(std::string_view text);

/// An integer as Python's int(text, 0) reads INT and LONG lines (a trailing 'L'
/// allowed for LONG); nullopt when it is not one or does not fit in 64 bits.
std::optional<int64_t> parse_int_literal(std::string_view text);

/// The decimal memo index of PUT and GET lines; nullopt when invalid or negative.
std::optional<uint64_t> parse_memo_index(std::string_view text);

}  // namespace refguard::detect::model
