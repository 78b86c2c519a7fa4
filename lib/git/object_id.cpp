#include "git/object_id.h"

namespace refguard::git {

Expected<ObjectId> ObjectId::from_hex(std::string_view hex) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, hex.data(), hex.size()) != 0)
    return fail("invalid object id '" + std::string(hex.substr(0, 64)) + "'");
  return ObjectId(oid);
}

std::string ObjectId::hex() const {
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof(buffer), &oid_);
  return buffer;
}

}  // namespace refguard::git
