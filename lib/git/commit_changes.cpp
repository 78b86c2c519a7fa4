#include "git/commit_changes.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "git/tree_changes.h"

namespace refguard::git {

namespace {

// The tree of parent `index`: the one the caller knows, or read from the parent commit.
Expected<ObjectId> parent_tree(git_repository* repository, const KnownTrees& trees, unsigned index,
                               const std::string& hex) {
  if (index < trees.parent_trees.size() && !trees.parent_trees[index].is_zero()) return trees.parent_trees[index];
  auto parent = acquire<CommitPtr>([&] { return "parent of commit " + hex + " is missing or corrupt"; },
                                   git_commit_lookup, repository, trees.parents[index].get());
  if (!parent) return std::unexpected(parent.error());
  return ObjectId(*git_commit_tree_id(parent->get()));
}

// Per parent, the blob to compare with and, for content that only moved,
// where that parent held it.
void note_bases(const std::vector<const TreeChange*>& per_parent, FileChange& change) {
  bool moved = false;
  for (const TreeChange* diff : per_parent) {
    change.bases.push_back(diff->base);
    moved = moved || !diff->moved_from.empty();
  }
  if (moved)
    for (const TreeChange* diff : per_parent) change.moved_from.push_back(diff->moved_from);
}

}  // namespace

Expected<std::vector<FileChange>> read_commit_changes(git_repository* repository, git_odb* odb,
                                                      const git_oid& oid, const KnownTrees& trees,
                                                      bool missing_allowed) {
  std::string hex = ObjectId(oid).hex();
  auto parents = static_cast<unsigned>(trees.parents.size());
  std::vector<std::vector<TreeChange>> diffs;
  for (unsigned index = 0; index < std::max(parents, 1u); ++index) {
    ObjectId base;
    if (parents > 0) {
      auto known = parent_tree(repository, trees, index, hex);
      if (!known) return std::unexpected(known.error());
      base = *known;
    }
    auto diff = changed_files(odb, parents > 0 ? base.get() : nullptr, *trees.tree.get());
    if (!diff) return std::unexpected(Error{"commit " + hex + ": " + diff.error().message});
    diffs.push_back(std::move(*diff));
    if (diffs.back().empty()) return std::vector<FileChange>{};  // nothing is new relative to this parent
  }
  // For a merge, the other parents' changes by path.
  std::vector<std::unordered_map<std::string_view, const TreeChange*>> by_path(diffs.size());
  for (size_t other = 1; other < diffs.size(); ++other)
    for (const auto& change : diffs[other]) by_path[other].emplace(change.path, &change);
  auto present = [&](const ObjectId& id) { return id.is_zero() || git_odb_exists(odb, id.get()) == 1; };
  std::vector<FileChange> changes;
  for (const auto& first : diffs.front()) {
    FileChange change{first.path, first.blob, {}, {}};
    std::vector<const TreeChange*> per_parent{&first};
    bool in_every_diff = true;
    for (size_t other = 1; other < diffs.size() && in_every_diff; ++other) {
      auto match = by_path[other].find(first.path);
      in_every_diff = match != by_path[other].end() && git_oid_equal(&match->second->blob, &first.blob);
      if (in_every_diff) per_parent.push_back(match->second);
    }
    if (!in_every_diff) continue;
    if (parents > 0) note_bases(per_parent, change);
    // Blobs are read later, and only those needed; a missing one is still an
    // error now, never a silent pass.
    bool complete = present(change.blob) && std::all_of(change.bases.begin(), change.bases.end(), present);
    if (!complete && !missing_allowed) return fail("commit " + hex + ": a blob of " + first.path + " is missing or corrupt");
    if (!complete) {
      change.missing = !present(change.blob);
      for (auto& base : change.bases)
        if (!present(base)) base = ObjectId();  // no base to compare with: every line counts as new
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace refguard::git
