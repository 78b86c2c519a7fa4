#include "git/push_reader.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <unordered_set>

namespace refguard::git {

namespace {

struct OidHash {
  size_t operator()(const git_oid& oid) const noexcept {
    size_t hash;
    std::memcpy(&hash, oid.id, sizeof(hash));
    return hash;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const noexcept { return git_oid_equal(&a, &b); }
};
using OidSet = std::unordered_set<git_oid, OidHash, OidEqual>;

/// One tree-to-tree diff: per changed path, the new blob and the one it replaces.
struct PathChange {
  git_oid blob;
  git_oid base;  // zero when the path is new
};
using TreeDiff = std::map<std::string, PathChange>;

bool is_scannable(const git_diff_delta& delta) {
  switch (delta.status) {
    case GIT_DELTA_ADDED:
    case GIT_DELTA_MODIFIED:
    case GIT_DELTA_TYPECHANGE:
      break;
    case GIT_DELTA_RENAMED:
    case GIT_DELTA_COPIED:
      // Content that only moved is not new.
      if (git_oid_equal(&delta.old_file.id, &delta.new_file.id)) return false;
      break;
    default:
      return false;
  }
  // Submodule gitlinks point at commits elsewhere; symlink blobs hold a path.
  return delta.new_file.mode == GIT_FILEMODE_BLOB || delta.new_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

bool is_blob_mode(uint16_t mode) { return mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE; }

class PushReader {
 public:
  PushReader(git_repository* view, const PushLimits& limits, CommitChangesCache* changes_cache)
      : view_(view), limits_(limits), changes_cache_(changes_cache) {}

  Expected<void> start_walk() {
    git_revwalk* raw = nullptr;
    if (git_revwalk_new(&raw, view_) != 0) return std::unexpected(libgit2_error("cannot start the commit walk"));
    walk_.reset(raw);
    git_revwalk_sorting(walk_.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
    return {};
  }

  /// Commits reachable from any ref the repository already has are not new.
  Expected<void> hide_existing_refs(git_repository* real) {
    git_reference_iterator* raw = nullptr;
    if (git_reference_iterator_new(&raw, real) != 0) return std::unexpected(libgit2_error("cannot list refs"));
    ReferenceIteratorPtr iterator(raw);
    git_reference* ref = nullptr;
    int error;
    while ((error = git_reference_next(&ref, iterator.get())) == 0) {
      ReferencePtr owned(ref);
      if (git_reference_type(ref) != GIT_REFERENCE_DIRECT) continue;
      if (auto commit = peel_to_commit(*git_reference_target(ref))) git_revwalk_hide(walk_.get(), &*commit);
    }
    if (error != GIT_ITEROVER) return std::unexpected(libgit2_error("cannot list refs"));
    return {};
  }

  /// Adds one pushed tip; records annotated tags it carries.
  Expected<void> add_tip(const std::string& ref, const std::string& new_hex, PushContent& content) {
    auto oid = parse_oid(new_hex);
    if (!oid) return std::unexpected(oid.error());
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, view_, &*oid, GIT_OBJECT_ANY) != 0)
      return std::unexpected(libgit2_error("pushed object " + new_hex + " for " + ref + " is missing or corrupt"));
    ObjectPtr object(raw);
    if (git_object_type(raw) == GIT_OBJECT_TAG) {
      const git_tag* tag = reinterpret_cast<const git_tag*>(raw);
      const char* message = git_tag_message(tag);
      content.tags.push_back(TagInfo{ref, new_hex, message ? message : ""});
    }
    auto commit = peel_to_commit(*oid);
    if (!commit) return {};  // a tag of a tree or blob brings no commits
    tips_.emplace_back(ref, *commit);
    if (git_revwalk_push(walk_.get(), &*commit) != 0)
      return std::unexpected(libgit2_error("cannot walk from " + new_hex + " (" + ref + ")"));
    return {};
  }

  /// True when the ref moves to a commit that does not contain its old one.
  bool is_forced(const std::string& old_hex, const std::string& new_hex) {
    auto old_oid = parse_oid(old_hex);
    auto new_oid = parse_oid(new_hex);
    if (!old_oid || !new_oid) return true;
    auto old_commit = peel_to_commit(*old_oid);
    auto new_commit = peel_to_commit(*new_oid);
    if (!old_commit || !new_commit) return !git_oid_equal(&*old_oid, &*new_oid);
    if (git_oid_equal(&*old_commit, &*new_commit)) return false;
    return git_graph_descendant_of(view_, &*new_commit, &*old_commit) != 1;
  }

  Expected<void> push_range(const std::string& range) {
    int error = 0;
    if (range.empty()) error = git_revwalk_push_glob(walk_.get(), "*");
    else if (range.find("..") != std::string::npos) error = git_revwalk_push_range(walk_.get(), range.c_str());
    else {
      git_object* raw = nullptr;
      error = git_revparse_single(&raw, view_, range.c_str());
      if (error == 0) {
        ObjectPtr object(raw);
        error = git_revwalk_push(walk_.get(), git_object_id(raw));
      }
    }
    if (error != 0) return std::unexpected(libgit2_error("cannot resolve range '" + range + "'"));
    return {};
  }

  /// With a quarantine, the new commits are exactly those reachable from the
  /// pushed tips through commits the repository's own object database lacks
  /// (git wrote them to the quarantine): O(push), however many refs and how
  /// much history the repository has. Parents are read before children.
  Expected<void> read_commits_from_quarantine(git_odb* repository_odb, PushContent& content) {
    std::vector<git_oid> order;
    OidSet seen;
    std::vector<std::pair<git_oid, bool>> stack;  // (commit, its parents already pushed)
    for (auto it = tips_.rbegin(); it != tips_.rend(); ++it) stack.emplace_back(it->second, false);
    while (!stack.empty()) {
      auto [oid, expanded] = stack.back();
      stack.pop_back();
      if (expanded) {
        order.push_back(oid);
        continue;
      }
      if (seen.contains(oid) || git_odb_exists_ext(repository_odb, &oid, GIT_ODB_LOOKUP_NO_REFRESH)) continue;
      seen.insert(oid);
      if (seen.size() > limits_.max_commits)
        return fail("push brings more than " + std::to_string(limits_.max_commits) + " commits");
      git_commit* raw = nullptr;
      if (git_commit_lookup(&raw, view_, &oid) != 0)
        return std::unexpected(libgit2_error("pushed commit " + to_hex(oid) + " is missing or corrupt"));
      CommitPtr commit(raw);
      stack.emplace_back(oid, true);
      for (unsigned i = git_commit_parentcount(raw); i-- > 0;) stack.emplace_back(*git_commit_parent_id(raw, i), false);
    }
    for (const auto& oid : order)
      if (auto read = read_commit(oid, content); !read) return read;
    attribute_refs(content);
    return {};
  }

  Expected<void> read_commits(PushContent& content) {
    git_oid oid;
    int error;
    while ((error = git_revwalk_next(&oid, walk_.get())) == 0) {
      if (content.commits.size() >= limits_.max_commits)
        return fail("push brings more than " + std::to_string(limits_.max_commits) + " commits");
      if (auto read = read_commit(oid, content); !read) return read;
    }
    if (error != GIT_ITEROVER) return std::unexpected(libgit2_error("walking the pushed commits failed"));
    attribute_refs(content);
    return {};
  }

 private:
  bool has_object(const git_oid& oid) {
    if (!odb_) {
      git_odb* raw = nullptr;
      if (git_repository_odb(&raw, view_) != 0) return false;
      odb_.reset(raw);
    }
    return git_odb_exists(odb_.get(), &oid) == 1;
  }

  std::optional<git_oid> peel_to_commit(const git_oid& oid) {
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, view_, &oid, GIT_OBJECT_ANY) != 0) return std::nullopt;
    ObjectPtr object(raw);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT) != 0) return std::nullopt;
    ObjectPtr peeled_owner(peeled);
    return *git_object_id(peeled);
  }

  // Which paths changed and from which blob; no file content is read except
  // by rename detection, and no line diff is made (see ObjectReader).
  Expected<TreeDiff> diff_trees(git_tree* old_tree, git_tree* new_tree, const std::string& commit_hex) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    git_diff* raw = nullptr;
    if (git_diff_tree_to_tree(&raw, view_, old_tree, new_tree, &options) != 0)
      return std::unexpected(libgit2_error("cannot diff commit " + commit_hex + " (an object is missing or corrupt)"));
    DiffPtr diff(raw);
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
    if (git_diff_find_similar(diff.get(), &find) != 0)
      return std::unexpected(libgit2_error("cannot detect renames in commit " + commit_hex +
                                           " (an object is missing or corrupt)"));
    TreeDiff files;
    for (size_t i = 0, count = git_diff_num_deltas(diff.get()); i < count; ++i) {
      const git_diff_delta& delta = *git_diff_get_delta(diff.get(), i);
      if (!is_scannable(delta)) continue;
      PathChange& change = files[delta.new_file.path];
      change.blob = delta.new_file.id;
      bool has_base = delta.status != GIT_DELTA_ADDED && is_blob_mode(delta.old_file.mode) &&
                      !git_oid_is_zero(&delta.old_file.id);
      if (has_base) change.base = delta.old_file.id;
      else change.base = git_oid{};
    }
    return files;
  }

  Expected<TreePtr> parent_tree(git_commit* commit, unsigned index, const std::string& commit_hex) {
    git_commit* parent = nullptr;
    if (git_commit_parent(&parent, commit, index) != 0)
      return std::unexpected(libgit2_error("parent of commit " + commit_hex + " is missing or corrupt"));
    CommitPtr owned(parent);
    git_tree* tree = nullptr;
    if (git_commit_tree(&tree, parent) != 0)
      return std::unexpected(libgit2_error("tree of a parent of " + commit_hex + " is missing or corrupt"));
    return TreePtr(tree);
  }

  // What the commit changes relative to all parents: for a merge, only the
  // paths every parent's diff has (a clean merge changes none), each with its
  // base blob per parent.
  Expected<std::vector<FileChange>> changes_of(git_commit* commit, const std::string& hex) {
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, commit) != 0)
      return std::unexpected(libgit2_error("tree of commit " + hex + " is missing or corrupt"));
    TreePtr tree(raw_tree);
    unsigned parents = git_commit_parentcount(commit);
    std::vector<TreeDiff> diffs;
    for (unsigned index = 0; index < std::max(parents, 1u); ++index) {
      TreePtr base;
      if (parents > 0) {
        auto loaded = parent_tree(commit, index, hex);
        if (!loaded) return std::unexpected(loaded.error());
        base = std::move(*loaded);
      }
      auto diff = diff_trees(base.get(), tree.get(), hex);
      if (!diff) return std::unexpected(diff.error());
      diffs.push_back(std::move(*diff));
      if (diffs.back().empty()) break;  // nothing is new relative to this parent
    }
    std::vector<FileChange> changes;
    for (const auto& [path, first] : diffs.front()) {
      FileChange change{path, first.blob, {}};
      if (parents > 0) change.bases.push_back(first.base);
      bool in_every_diff = true;
      for (size_t other = 1; other < parents && in_every_diff; ++other) {
        auto match = other < diffs.size() ? diffs[other].find(path) : diffs.back().end();
        in_every_diff = other < diffs.size() && match != diffs[other].end();
        if (in_every_diff) change.bases.push_back(match->second.base);
      }
      if (!in_every_diff) continue;
      // Blobs are read later, and only those needed; a missing one is still
      // an error now, never a silent pass.
      bool present = has_object(change.blob);
      for (const auto& base : change.bases) present = present && (git_oid_is_zero(&base) || has_object(base));
      if (!present) return fail("commit " + hex + ": a blob of " + path + " is missing or corrupt");
      changes.push_back(std::move(change));
    }
    return changes;
  }

  Expected<void> read_commit(const git_oid& oid, PushContent& content) {
    std::string hex = to_hex(oid);
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, view_, &oid) != 0)
      return std::unexpected(libgit2_error("pushed commit " + hex + " is missing or corrupt"));
    CommitPtr commit(raw);
    CommitChanges changes = changes_cache_ ? changes_cache_->find(oid) : nullptr;
    if (changes) {
      ++content.commits_from_cache;
    } else {
      auto computed = changes_of(raw, hex);
      if (!computed) return std::unexpected(computed.error());
      changes = std::make_shared<const std::vector<FileChange>>(std::move(*computed));
      if (changes_cache_) changes_cache_->insert(oid, changes);
    }
    size_t index = content.commits.size();
    const char* summary = git_commit_summary(raw);
    content.commits.push_back(CommitInfo{hex, summary ? summary : "", ""});
    std::vector<git_oid> parents;
    for (unsigned i = 0; i < git_commit_parentcount(raw); ++i) parents.push_back(*git_commit_parent_id(raw, i));
    parents_.emplace(oid, std::move(parents));
    commit_index_.emplace(oid, index);
    for (const auto& change : *changes) {
      ChangedFile file{index, change.path, to_hex(change.blob), {}};
      for (const auto& base : change.bases) file.base_blob_ids.push_back(git_oid_is_zero(&base) ? "" : to_hex(base));
      content.files.push_back(std::move(file));
    }
    return {};
  }

  // Each new commit is reported under the first pushed ref that reaches it.
  void attribute_refs(PushContent& content) {
    for (const auto& [ref, tip] : tips_) {
      std::vector<git_oid> stack = {tip};
      while (!stack.empty()) {
        git_oid oid = stack.back();
        stack.pop_back();
        auto found = commit_index_.find(oid);
        if (found == commit_index_.end()) continue;
        CommitInfo& info = content.commits[found->second];
        if (!info.ref.empty()) continue;
        info.ref = ref;
        for (const auto& parent : parents_[oid]) stack.push_back(parent);
      }
    }
  }

  git_repository* view_;
  OdbPtr odb_;  // the view's, for existence checks
  PushLimits limits_;
  CommitChangesCache* changes_cache_;
  RevwalkPtr walk_;
  std::vector<std::pair<std::string, git_oid>> tips_;
  std::unordered_map<git_oid, size_t, OidHash, OidEqual> commit_index_;
  std::unordered_map<git_oid, std::vector<git_oid>, OidHash, OidEqual> parents_;
};

}  // namespace

Expected<PushContent> read_push(CachedRepository& repository, git_repository* view, bool quarantined,
                                const std::vector<ipc::RefUpdate>& updates, const PushLimits& limits,
                                CommitChangesCache* changes_cache) {
  PushReader reader(view, limits, changes_cache);
  PushContent content;
  if (auto started = reader.start_walk(); !started) return std::unexpected(started.error());
  if (!quarantined)
    if (auto hidden = reader.hide_existing_refs(repository.repository.get()); !hidden)
      return std::unexpected(hidden.error());
  for (const auto& update : updates)
    content.forced.push_back(!update.is_create() && !update.is_delete() &&
                             reader.is_forced(update.old_oid, update.new_oid));
  for (const auto& update : updates) {
    if (update.is_delete()) continue;  // nothing to scan, and no quarantine then
    if (auto added = reader.add_tip(update.ref_name, update.new_oid, content); !added)
      return std::unexpected(added.error());
  }
  auto read = quarantined ? reader.read_commits_from_quarantine(repository.odb.get(), content)
                          : reader.read_commits(content);
  if (!read) return std::unexpected(read.error());
  return content;
}

Expected<PushContent> read_range(CachedRepository& repository, const std::string& range, const PushLimits& limits,
                                 CommitChangesCache* changes_cache) {
  PushReader reader(repository.repository.get(), limits, changes_cache);
  PushContent content;
  if (auto started = reader.start_walk(); !started) return std::unexpected(started.error());
  if (auto pushed = reader.push_range(range); !pushed) return std::unexpected(pushed.error());
  if (auto read = reader.read_commits(content); !read) return std::unexpected(read.error());
  return content;
}

}  // namespace refguard::git
