#include "git/default_branch.h"

#include "git/object_reader.h"

namespace refguard::git {

namespace {
using TreeEntryPtr = std::unique_ptr<git_tree_entry, HandleDeleter<git_tree_entry, git_tree_entry_free>>;
}

std::optional<std::string> default_branch_ref(git_repository* repository) {
  git_reference* raw = nullptr;
  if (git_reference_lookup(&raw, repository, "HEAD") != 0) return std::nullopt;
  ReferencePtr head(raw);
  if (git_reference_type(raw) != GIT_REFERENCE_SYMBOLIC) return std::nullopt;
  return std::string(git_reference_symbolic_target(raw));
}

Expected<std::optional<std::string>> read_default_branch_file(git_repository* repository, const std::string& path,
                                                              size_t max_bytes) {
  auto branch = default_branch_ref(repository);
  if (!branch) return std::optional<std::string>();
  git_oid tip;
  if (git_reference_name_to_id(&tip, repository, branch->c_str()) != 0) return std::optional<std::string>();  // unborn
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repository, &tip) != 0)
    return std::unexpected(libgit2_error("cannot read the tip of " + *branch));
  CommitPtr commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, raw_commit) != 0)
    return std::unexpected(libgit2_error("cannot read the tree of " + *branch));
  TreePtr tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, raw_tree, path.c_str()) != 0) return std::optional<std::string>();
  TreeEntryPtr entry(raw_entry);
  if (git_tree_entry_type(raw_entry) != GIT_OBJECT_BLOB) return std::optional<std::string>();
  // Sized from the object header first: a huge committed file is refused unread.
  if (auto size = blob_size(repository, *git_tree_entry_id(raw_entry), path); size && *size > max_bytes)
    return fail(path + " on " + *branch + " is larger than " + std::to_string(max_bytes) + " bytes");
  git_blob* raw_blob = nullptr;
  if (git_blob_lookup(&raw_blob, repository, git_tree_entry_id(raw_entry)) != 0)
    return std::unexpected(libgit2_error("cannot read " + path + " on " + *branch));
  BlobPtr blob(raw_blob);
  auto size = static_cast<size_t>(git_blob_rawsize(raw_blob));
  if (size > max_bytes) return fail(path + " on " + *branch + " is larger than " + std::to_string(max_bytes) + " bytes");
  return std::optional<std::string>(std::string(static_cast<const char*>(git_blob_rawcontent(raw_blob)), size));
}

}  // namespace refguard::git
