#include "git/default_branch.h"

#include "git/object_reader.h"

namespace refguard::git {

namespace {
using TreeEntryPtr = std::unique_ptr<git_tree_entry, HandleDeleter<git_tree_entry, git_tree_entry_free>>;
}

std::optional<std::string> default_branch_ref(git_repository* repository) {
  auto head = acquire_or_null<ReferencePtr>(git_reference_lookup, repository, "HEAD");
  if (!head || git_reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC) return std::nullopt;
  return std::string(git_reference_symbolic_target(head.get()));
}

Expected<std::optional<std::string>> read_default_branch_file(git_repository* repository, const std::string& path,
                                                              size_t max_bytes) {
  auto branch = default_branch_ref(repository);
  if (!branch) return std::optional<std::string>();
  git_oid tip;
  if (git_reference_name_to_id(&tip, repository, branch->c_str()) != 0) return std::optional<std::string>();  // unborn
  auto commit = acquire<CommitPtr>("cannot read the tip of " + *branch, git_commit_lookup, repository, &tip);
  if (!commit) return std::unexpected(commit.error());
  auto tree = acquire<TreePtr>("cannot read the tree of " + *branch, git_commit_tree, commit->get());
  if (!tree) return std::unexpected(tree.error());
  auto entry = acquire_or_null<TreeEntryPtr>(git_tree_entry_bypath, tree->get(), path.c_str());
  if (!entry || git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return std::optional<std::string>();
  // Sized from the object header first: a huge committed file is refused unread.
  if (auto size = blob_size(repository, *git_tree_entry_id(entry.get()), path); size && *size > max_bytes)
    return fail(path + " on " + *branch + " is larger than " + std::to_string(max_bytes) + " bytes");
  auto blob = acquire<BlobPtr>("cannot read " + path + " on " + *branch, git_blob_lookup, repository,
                               git_tree_entry_id(entry.get()));
  if (!blob) return std::unexpected(blob.error());
  auto size = static_cast<size_t>(git_blob_rawsize(blob->get()));
  if (size > max_bytes) return fail(path + " on " + *branch + " is larger than " + std::to_string(max_bytes) + " bytes");
  return std::optional<std::string>(std::string(static_cast<const char*>(git_blob_rawcontent(blob->get())), size));
}

Expected<std::optional<ObjectId>> blob_at(git_repository* repository, const ObjectId& commit, const std::string& path) {
  if (commit.is_zero()) return std::optional<ObjectId>();
  auto object = acquire<ObjectPtr>([&] { return "commit " + commit.hex() + " is missing or corrupt"; },
                                   git_object_lookup, repository, commit.get(), GIT_OBJECT_ANY);
  if (!object) return std::unexpected(object.error());
  auto tree = acquire<ObjectPtr>([&] { return "the tree of " + commit.hex() + " is missing or corrupt"; },
                                 git_object_peel, object->get(), GIT_OBJECT_TREE);
  if (!tree) return std::unexpected(tree.error());
  auto entry = acquire_or_null<TreeEntryPtr>(git_tree_entry_bypath, reinterpret_cast<git_tree*>(tree->get()),
                                             path.c_str());
  if (!entry || git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return std::optional<ObjectId>();
  return std::optional<ObjectId>(*git_tree_entry_id(entry.get()));
}

}  // namespace refguard::git
