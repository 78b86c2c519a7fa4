#pragma once
// The `private_key` detector: a PEM / OpenSSH / PGP private-key armour line
// that is followed by a plausible key body. An armour line alone, or with a
// placeholder body ("...", "<your key>", "XXXX", a few characters), is a
// parser constant or documentation, not a key, and is not reported.
//
// The body is read where keys are written: the lines after the BEGIN line
// (PEM files, YAML blocks, heredocs, triple-quoted or concatenated string
// literals, notebook cells), or the rest of the BEGIN line when it carries
// "\n" escapes or spaces (JSON, .env one-liners). Quotes, commas, "+",
// trailing "\n" escapes and RFC 1421 / OpenPGP armour headers ("Proc-Type:",
// "Version:") are skipped; the body ends at the END line or at the first
// line that is not base64.
//
// Plausible means: at least 60 base64 characters, Shannon entropy of at
// least 4.2 bits per character (random base64 scores above 5; "AAAA…" or
// a repeated sample does not), and the structure the armour names: DER
// (RSA, EC, DSA, PKCS#8, encrypted PKCS#8) starts with a SEQUENCE, so its
// base64 starts with "M" (unless "Proc-Type: 4,ENCRYPTED" says the body is
// ciphertext); an OpenSSH key starts "openssh-key-v1", whose base64 starts "b3Bl".
//
// [rule.detector]
// type = "private_key"
// unless = '''["']private_key["']\s*:'''  (optional RE2; a BEGIN line matching it is not reported)
//
// The secret is the body (shown masked). Immutable and thread-safe.
#include <memory>

#include "detect/detector.h"
#include "detect/params.h"

namespace refguard::detect {

std::unique_ptr<Detector> make_private_key_detector(DetectorParams& params);

/// The armour's key body starting at `begin_line` (an index into
/// `file.added`), or "" when there is none worth reporting; `encrypted` is set
/// when RFC 1421 headers say the body is ciphertext. Exposed for tests.
std::string private_key_body(const FileView& file, uint32_t begin_line, size_t marker_end, bool* encrypted = nullptr);

}  // namespace refguard::detect
