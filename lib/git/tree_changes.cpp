#include "git/tree_changes.h"

#include <optional>

#include "git/object_id.h"
#include "git/raw_tree.h"

namespace refguard::git {

namespace {

// Trees nest at most this deep; deeper is a hostile object, not a project.
constexpr int kMaxDepth = 512;

// The tree `id` names, or none when there is no id (a side that has no tree there).
Expected<std::optional<RawTree>> read_if_any(git_odb* odb, const git_oid* id, std::string_view path) {
  if (!id) return std::optional<RawTree>();
  auto tree = RawTree::read(odb, *id, path);
  if (!tree) return std::unexpected(tree.error());
  return std::optional<RawTree>(std::move(*tree));
}

// A walk that ended on bytes that are not a tree entry fails, naming the tree's path.
Expected<void> walked_whole(const TreeCursor& cursor, const std::string& path) {
  if (cursor.error().empty()) return {};
  return fail("corrupt tree at \"" + path + "\": " + cursor.error());
}

class TreeWalk {
 public:
  explicit TreeWalk(git_odb* odb) : odb_(odb) {}

  // `old_tree` may be empty (a tree that is not there).
  Expected<void> compare(const RawTree* old_tree, const RawTree& new_tree, const std::string& prefix, int depth) {
    if (depth > kMaxDepth) return fail("tree nesting deeper than " + std::to_string(kMaxDepth) + " at " + prefix);
    TreeCursor old_entries = old_tree ? old_tree->entries() : TreeCursor();
    TreeCursor new_entries = new_tree.entries();
    while (!old_entries.done() || !new_entries.done()) {
      const RawTreeEntry* old_entry = old_entries.done() ? nullptr : &old_entries.entry();
      const RawTreeEntry* new_entry = new_entries.done() ? nullptr : &new_entries.entry();
      int order = !old_entry ? 1 : !new_entry ? -1 : compare_tree_entries(*old_entry, *new_entry);
      Expected<void> step;
      if (order < 0) {
        step = removed(*old_entry, prefix, depth);
        old_entries.advance();
      } else if (order > 0) {
        step = added(*new_entry, nullptr, prefix, depth);
        new_entries.advance();
      } else {
        if (!git_oid_equal(&old_entry->id, &new_entry->id)) step = added(*new_entry, old_entry, prefix, depth);
        old_entries.advance();
        new_entries.advance();
      }
      if (!step) return step;
    }
    if (auto whole = walked_whole(old_entries, prefix); !whole) return whole;
    return walked_whole(new_entries, prefix);
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
  // An entry present (or different) on the new side; `old_entry` is the
  // entry of the same name and kind on the old side, if any.
  Expected<void> added(const RawTreeEntry& entry, const RawTreeEntry* old_entry, const std::string& prefix,
                       int depth) {
    std::string path = prefix;
    path += entry.name;
    if (entry.is_tree()) {
      auto tree = RawTree::read(odb_, entry.id, path);
      if (!tree) return std::unexpected(tree.error());
      auto old_tree = read_if_any(odb_, old_entry && old_entry->is_tree() ? &old_entry->id : nullptr, path);
      if (!old_tree) return std::unexpected(old_tree.error());
      return compare(*old_tree ? &**old_tree : nullptr, *tree, path + "/", depth + 1);
    }
    bool replaces_file = old_entry && old_entry->is_file();
    if (replaces_file) moved_away_.try_emplace(old_entry->id, path);
    if (!entry.is_file()) return {};  // symlinks hold a path; gitlinks point at commits elsewhere
    TreeChange change{std::move(path), entry.id, git_oid{}, {}};
    if (replaces_file) change.base = old_entry->id;
    changes_.push_back(std::move(change));
    return {};
  }

  // An entry only the old side has: its blobs may reappear elsewhere (moved).
  Expected<void> removed(const RawTreeEntry& entry, const std::string& prefix, int depth) {
    if (!entry.is_file() && !entry.is_tree()) return {};
    std::string path = prefix;
    path += entry.name;
    if (entry.is_file()) {
      moved_away_.try_emplace(entry.id, std::move(path));
      return {};
    }
    if (depth > kMaxDepth) return fail("tree nesting deeper than " + std::to_string(kMaxDepth) + " at " + path);
    auto tree = RawTree::read(odb_, entry.id, path);
    if (!tree) return std::unexpected(tree.error());
    TreeCursor entries = tree->entries();
    for (; !entries.done(); entries.advance())
      if (auto step = removed(entries.entry(), path + "/", depth + 1); !step) return step;
    return walked_whole(entries, path + "/");
  }

  git_odb* odb_;
  std::vector<TreeChange> changes_;
  OidMap<std::string> moved_away_;  // blob -> a path the old side held it at (the first one seen)
};

}  // namespace

Expected<std::vector<TreeChange>> changed_files(git_odb* odb, const git_oid* old_tree, const git_oid& new_tree) {
  auto old_side = read_if_any(odb, old_tree, "");
  if (!old_side) return std::unexpected(old_side.error());
  auto new_side = RawTree::read(odb, new_tree, "");
  if (!new_side) return std::unexpected(new_side.error());
  TreeWalk walk(odb);
  if (auto compared = walk.compare(*old_side ? &**old_side : nullptr, *new_side, "", 0); !compared)
    return std::unexpected(compared.error());
  return walk.take();
}

}  // namespace refguard::git
