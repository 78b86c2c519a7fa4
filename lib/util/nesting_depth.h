#pragma once
// Pre-pass depth checks for recursive data formats. Parsers and the code
// that walks or frees their trees recurse once per level; a hostile file can
// nest as deep as its size allows (300,000 '[' in 300 KB), which overflows a
// worker thread's stack and kills the process. These checks run first, on
// the raw text, in constant stack space, so a file nested too deeply is
// refused before any tree is built.
#include <cstddef>
#include <string_view>

namespace refguard {

/// Index just past the string that opens with the quote at `open` (a
/// backslash escapes the next character when `escapes`), or npos when the
/// text ends first. Jumps from quote to quote with memchr: a quote closes
/// the string unless an odd run of backslashes precedes it.
size_t quoted_string_end(std::string_view text, size_t open, char quote = '"', bool escapes = true);

/// Deepest nesting of `[` and `{` in JSON text (JSONC too: brackets inside
/// strings and // or /* */ comments do not count). Stops counting once the
/// depth passes `limit`, so the result is at most limit + 1. Malformed text
/// is measured as far as it goes; the parser then reports it.
size_t json_nesting_depth(std::string_view text, size_t limit);

/// Deepest nesting a TOML document can build: table headers' dotted keys,
/// dotted keys in key/value pairs and inline tables, and arrays, counted
/// together (strings and comments skipped). An over-estimate for odd but
/// valid files, never an under-estimate. At most limit + 1.
size_t toml_nesting_depth(std::string_view text, size_t limit);

}  // namespace refguard
