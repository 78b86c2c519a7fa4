#include "git/tree_changes.h"

#include "git/object_id.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace refguard::git {

namespace {

bool is_file(git_filemode_t mode) { return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE; }
bool is_tree(git_filemode_t mode) { return mode == GIT_FILEMODE_TREE; }

// Trees nest at most this deep; deeper is a hostile object, not a project.
constexpr int kMaxDepth = 512;

class TreeWalk {
 public:
  explicit TreeWalk(git_repository* repository) : repository_(repository) {}

  Expected<void> compare(const git_tree* old_tree, const git_tree* new_tree, const std::string& prefix, int depth) {
    if (depth > kMaxDepth) return fail("tree nesting deeper than " + std::to_string(kMaxDepth) + " at " + prefix);
    size_t old_count = old_tree ? git_tree_entrycount(old_tree) : 0;
    size_t new_count = new_tree ? git_tree_entrycount(new_tree) : 0;
    size_t o = 0, n = 0;
    while (o < old_count || n < new_count) {
      const git_tree_entry* old_entry = o < old_count ? git_tree_entry_byindex(old_tree, o) : nullptr;
      const git_tree_entry* new_entry = n < new_count ? git_tree_entry_byindex(new_tree, n) : nullptr;
      int order = !old_entry ? 1 : !new_entry ? -1 : git_tree_entry_cmp(old_entry, new_entry);
      Expected<void> step;
      if (order < 0) {
        step = removed(old_entry, prefix, depth);
        ++o;
      } else if (order > 0) {
        step = added(new_entry, nullptr, prefix, depth);
        ++n;
      } else {
        if (!git_oid_equal(git_tree_entry_id(old_entry), git_tree_entry_id(new_entry)))
          step = added(new_entry, old_entry, prefix, depth);
        ++o;
        ++n;
      }
      if (!step) return step;
    }
    return {};
  }

  std::vector<TreeChange> take() {
    // Content that only moved (git's rename and copy detection, exact
    // matches): an added file whose blob the old side had at a path that
    // changed or went away. Compared with itself it brings no lines; where it
    // came from decides whether it is new to a rule (issue 15, item 6: a key
    // moved out of an allowlisted path is new where the rule looks).
    for (auto& change : changes_) {
      if (!git_oid_is_zero(&change.base)) continue;
      auto source = moved_away_.find(change.blob);
      if (source == moved_away_.end()) continue;
      change.base = change.blob;
      change.moved_from = source->second;
    }
    return std::move(changes_);
  }

 private:
  Expected<TreePtr> lookup_tree(const git_tree_entry* entry, const std::string& path) {
    git_tree* tree = nullptr;
    if (git_tree_lookup(&tree, repository_, git_tree_entry_id(entry)) != 0)
      return std::unexpected(libgit2_error("tree " + ObjectId(*git_tree_entry_id(entry)).hex() + " (" + path +
                                           ") is missing or corrupt"));
    return TreePtr(tree);
  }

  // An entry present (or different) on the new side; `old_entry` is the
  // entry of the same name and kind on the old side, if any.
  Expected<void> added(const git_tree_entry* entry, const git_tree_entry* old_entry, const std::string& prefix,
                       int depth) {
    std::string path = prefix + git_tree_entry_name(entry);
    git_filemode_t mode = git_tree_entry_filemode(entry);
    if (is_tree(mode)) {
      auto tree = lookup_tree(entry, path);
      if (!tree) return std::unexpected(tree.error());
      TreePtr old_tree;
      if (old_entry && is_tree(git_tree_entry_filemode(old_entry))) {
        auto loaded = lookup_tree(old_entry, path);
        if (!loaded) return std::unexpected(loaded.error());
        old_tree = std::move(*loaded);
      }
      return compare(old_tree.get(), tree->get(), path + "/", depth + 1);
    }
    if (old_entry && is_file(git_tree_entry_filemode(old_entry)))
      moved_away_.try_emplace(*git_tree_entry_id(old_entry), path);
    if (!is_file(mode)) return {};  // symlinks hold a path; gitlinks point at commits elsewhere
    TreeChange change{std::move(path), *git_tree_entry_id(entry), git_oid{}, {}};
    if (old_entry && is_file(git_tree_entry_filemode(old_entry))) change.base = *git_tree_entry_id(old_entry);
    changes_.push_back(std::move(change));
    return {};
  }

  // An entry only the old side has: its blobs may reappear elsewhere (moved).
  Expected<void> removed(const git_tree_entry* entry, const std::string& prefix, int depth) {
    git_filemode_t mode = git_tree_entry_filemode(entry);
    if (!is_file(mode) && !is_tree(mode)) return {};
    std::string path = prefix + git_tree_entry_name(entry);
    if (is_file(mode)) {
      moved_away_.try_emplace(*git_tree_entry_id(entry), std::move(path));
      return {};
    }
    if (depth > kMaxDepth) return fail("tree nesting deeper than " + std::to_string(kMaxDepth) + " at " + path);
    auto tree = lookup_tree(entry, path);
    if (!tree) return std::unexpected(tree.error());
    for (size_t i = 0, count = git_tree_entrycount(tree->get()); i < count; ++i)
      if (auto step = removed(git_tree_entry_byindex(tree->get(), i), path + "/", depth + 1); !step) return step;
    return {};
  }

  git_repository* repository_;
  std::vector<TreeChange> changes_;
  OidMap<std::string> moved_away_;  // blob -> a path the old side held it at (the first one seen)
};

}  // namespace

Expected<std::vector<TreeChange>> changed_files(git_repository* repository, const git_tree* old_tree,
                                                const git_tree* new_tree) {
  TreeWalk walk(repository);
  if (auto compared = walk.compare(old_tree, new_tree, "", 0); !compared) return std::unexpected(compared.error());
  return walk.take();
}

}  // namespace refguard::git
