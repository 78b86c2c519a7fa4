#include "util/mask.h"

#include <fmt/format.h>

#include <algorithm>

namespace refguard {

namespace {
// Never cut a UTF-8 sequence in half: the masked text is printed to terminals.
size_t utf8_boundary(std::string_view text, size_t pos) {
  while (pos > 0 && pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}
}  // namespace

std::string mask_secret(std::string_view secret) {
  size_t shown = secret.size() < 8 ? 0 : std::min<size_t>(8, secret.size() / 4);
  shown = utf8_boundary(secret, shown);
  return fmt::format("{}…({} chars)", secret.substr(0, shown), secret.size());
}

}  // namespace refguard
