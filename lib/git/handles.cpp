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
    // libgit2 (like git since 2.35.2) refuses repositories owned by another
    // user unless safe.directory lists them. That check protects a user from
    // a repository whose config names programs git would run (core.fsmonitor,
    // core.hooksPath, filters, credential helpers). refguard runs nothing a
    // repository's config names: it reads objects, refs and refguard's own
    // keys, and writes only git notes (and `refguard install` its hooks, as
    // the owner). So the daemon (one per service user) may read the quarantine
    // of a push by another member of a shared repository's group, and an admin
    // (root, or a user who can read a repository) may `refguard scan` it.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    // Memory that does not grow with the history read (issue 18): libgit2
    // maps pack files in windows of 1 GiB up to 8 GiB by default, and every
    // page a whole-history walk touches stays in the process's resident set
    // until unmapped; its object cache keeps up to 256 MiB of commits and
    // trees. Windows of 32 MiB, at most 128 MiB mapped (least recently used
    // unmapped first; the pages stay in the kernel's page cache, so mapping
    // one again costs no disk read) and a 16 MiB object cache bound both,
    // whatever the length of the history or the size of its packs. Measured
    // on a generated 28,000-commit history (bench/README.md): peak RSS of
    // `refguard scan` 635 MiB with the defaults, 266 MiB with these, and the
    // same CPU time (each commit's trees are read while it is walked; a
    // larger cache is rarely hit again).
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, size_t{32} << 20);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, size_t{128} << 20);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, ssize_t{16} << 20);
    // Commits are not kept in that cache: the push reader reads each new
    // commit once and keeps what it needs (git/push_reader.cpp), so caching
    // 20,000 of them only cost their insertion and freeing - 15 % of a check
    // whose commits were all judged before (bench/shared_cache_bench.sh),
    // and nothing measurable elsewhere. Trees stay cached: a commit's tree
    // diff reads its parent's trees, which the parent's diff just read.
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, size_t{0});
  });
}

}  // namespace refguard::git
