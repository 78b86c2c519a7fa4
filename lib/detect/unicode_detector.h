#pragma once
// The `unicode` detector: characters that are invisible or reorder text, in
// added lines. They hide instructions from the human reviewing an AI agent's
// prompt files ("ASCII smuggling" with tag characters or variation
// selectors) or make source code compile differently from how it reads
// ("Trojan Source" bidi overrides).
//
// [rule.detector]
// type = "unicode"
// categories = ["tags", "bidi", "zero_width", "variation_selectors"]
//                              (optional; absent or empty = all four)
// files = "code"               (optional: "any" (default), "code" = source code by
//                              extension or shebang, "agent" = agent instruction files
//                              by name or front matter; detect/file_kind.h)
// outputs = false              (optional, default true: also scan notebook outputs,
//                              text a program printed rather than code)
//
//   tags                 U+E0000–U+E007F, except in an emoji subdivision flag
//                        (U+1F3F4, 3–6 tag letters/digits, U+E007F: 🏴 England)
//   bidi                 U+202A–U+202E, U+2066–U+2069, except an embedding or
//                        isolate closed on the same line around right-to-left
//                        text (an Arabic or Hebrew string literal); overrides
//                        always; the marks U+200E, U+200F, U+061C only when not
//                        next to a right-to-left letter (Hebrew and Arabic prose
//                        uses them legitimately)
//   zero_width           U+200B, U+200C, U+200D, U+2060–U+2064, U+FEFF, U+180E,
//                        U+034F, the Hangul fillers (U+115F, U+1160, U+3164,
//                        U+FFA0) and U+17B4/U+17B5, except
//                        a BOM at the start of the file, ZWJ inside an emoji
//                        sequence, ZWJ/ZWNJ between letters of scripts that need
//                        them (Arabic, Persian, Indic, ...), ZWSP between letters
//                        of scripts written without spaces (Thai, Khmer, ...),
//                        U+180E inside Mongolian words
//   variation_selectors  U+FE00–U+FE0F, U+E0100–U+E01EF, except one selector
//                        after a character it is defined for (VS15/VS16 after
//                        an emoji or keycap base, an ideographic variation
//                        selector after a CJK ideograph, VS1… after a math
//                        symbol). A run of two or more always fires: that is
//                        how bytes are smuggled after an emoji.
//
// One hit per line and category; the detail names the first character and
// its 1-based column (in characters), and for tags and selector runs shows
// the decoded hidden text, which is the attack payload and safe to print.
// Invalid UTF-8 is skipped byte by byte. Immutable and thread-safe.
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_unicode_detector(DetectorParams& params);

}  // namespace refguard::detect
