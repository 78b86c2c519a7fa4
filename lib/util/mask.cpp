#include "util/mask.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/text.h"

namespace refguard {

std::string mask_secret(std::string_view secret) {
  size_t shown = secret.size() < 8 ? 0 : std::min<size_t>(8, secret.size() / 4);
  shown = utf8_cut(secret, shown);  // the masked text is printed to terminals
  return fmt::format("{}…({} chars)", secret.substr(0, shown), secret.size());
}

}  // namespace refguard
