#include "engine/finding.h"

#include <fmt/format.h>

#include "util/stable_hash.h"

namespace refguard::engine {

std::string finding_id(std::string_view rule_id, std::string_view path, const BlobFinding& finding) {
  uint64_t hash = StableHasher()
                      .add(rule_id)
                      .add(path)
                      .add(finding.secret_hash ? std::to_string(finding.secret_hash) : finding.detail + finding.where)
                      .value();
  return fmt::format("{:08x}", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

}  // namespace refguard::engine
