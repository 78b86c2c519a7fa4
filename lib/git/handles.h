#pragma once
// RAII owners for the libgit2 handles refguard uses, and the conversion of a
// libgit2 failure into our Error at the call site (git_error_last() is
// thread-local and overwritten by the next call, so read it immediately).
#include <git2.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "util/error.h"

namespace refguard::git {

template <class T, void (*Free)(T*)>
struct HandleDeleter {
  void operator()(T* handle) const noexcept { Free(handle); }
};

using RepositoryPtr = std::unique_ptr<git_repository, HandleDeleter<git_repository, git_repository_free>>;
using OdbPtr = std::unique_ptr<git_odb, HandleDeleter<git_odb, git_odb_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, HandleDeleter<git_revwalk, git_revwalk_free>>;
using CommitPtr = std::unique_ptr<git_commit, HandleDeleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, HandleDeleter<git_tree, git_tree_free>>;
using DiffPtr = std::unique_ptr<git_diff, HandleDeleter<git_diff, git_diff_free>>;
using PatchPtr = std::unique_ptr<git_patch, HandleDeleter<git_patch, git_patch_free>>;
using BlobPtr = std::unique_ptr<git_blob, HandleDeleter<git_blob, git_blob_free>>;
using ObjectPtr = std::unique_ptr<git_object, HandleDeleter<git_object, git_object_free>>;
using TagPtr = std::unique_ptr<git_tag, HandleDeleter<git_tag, git_tag_free>>;
using ReferenceIteratorPtr =
    std::unique_ptr<git_reference_iterator, HandleDeleter<git_reference_iterator, git_reference_iterator_free>>;
using ReferencePtr = std::unique_ptr<git_reference, HandleDeleter<git_reference, git_reference_free>>;
using OdbObjectPtr = std::unique_ptr<git_odb_object, HandleDeleter<git_odb_object, git_odb_object_free>>;
using ConfigPtr = std::unique_ptr<git_config, HandleDeleter<git_config, git_config_free>>;

/// "context: libgit2's message" for the failure that just happened.
Error libgit2_error(std::string_view context);

/// Calls a libgit2 function whose first parameter is an out-parameter handle
/// and returns the handle owned by `Owner` (one of the aliases above), or
/// libgit2's error under `context`: a string, or a callable that makes one
/// (only on failure, for hot paths):
///   auto commit = acquire<CommitPtr>([&] { return "commit " + id.hex(); }, git_commit_lookup, repo, id.get());
template <class Owner, class Context, class Function, class... Args>
Expected<Owner> acquire(const Context& context, Function function, Args&&... args) {
  typename Owner::pointer raw = nullptr;
  if (function(&raw, std::forward<Args>(args)...) == 0) return Owner(raw);
  if constexpr (std::is_invocable_v<const Context&>) return std::unexpected(libgit2_error(context()));
  else return std::unexpected(libgit2_error(context));
}

/// The same for calls whose failure is an answer, not an error (an object
/// that may be absent): an empty owner then.
template <class Owner, class Function, class... Args>
Owner acquire_or_null(Function function, Args&&... args) {
  typename Owner::pointer raw = nullptr;
  if (function(&raw, std::forward<Args>(args)...) != 0) return Owner();
  return Owner(raw);
}

/// Object ids as hash-map keys (inline: the maps of a large push do millions
/// of these; ids are uniformly distributed, so any 8 bytes hash well).
struct OidHash {
  size_t operator()(const git_oid& oid) const noexcept {
    size_t hash;
    std::memcpy(&hash, oid.id, sizeof(hash));
    return hash;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const noexcept {
    return std::memcmp(a.id, b.id, GIT_OID_RAWSZ) == 0;
  }
};

// Open addressing: a push walk looks up every commit it meets, and node-based
// std::unordered_* spent more time allocating than looking up.
using OidSet = boost::unordered_flat_set<git_oid, OidHash, OidEqual>;
template <class Value>
using OidMap = boost::unordered_flat_map<git_oid, Value, OidHash, OidEqual>;

/// Calls git_libgit2_init() once per process (and turns off libgit2's
/// re-hashing of every object read); safe from any thread.
void ensure_libgit2_initialized();

}  // namespace refguard::git
