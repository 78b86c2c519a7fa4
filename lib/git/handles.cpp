#include "git/handles.h"

#include <mutex>

namespace refguard::git {

Error libgit2_error(std::string_view context) {
  const git_error* last = git_error_last();
  std::string message(context);
  message += ": ";
  message += last && last->message ? last->message : "unknown libgit2 error";
  return Error{std::move(message)};
}

void ensure_libgit2_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // libgit2 re-hashes every object it reads (SHA-1 with collision
    // detection): over half the cost of reading a long history. Git itself
    // does not (only fsck does): every object was hashed when index-pack or
    // unpack-objects wrote it, a push's quarantine included, and zlib's
    // checksum still catches damage on disk (a clear error, never a pass).
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  });
}

}  // namespace refguard::git
