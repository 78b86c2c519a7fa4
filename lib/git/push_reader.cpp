#include "git/push_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <map>
#include <unordered_set>

#include "git/quarantine_odb.h"

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

/// One path's change in one tree-to-tree diff.
struct FileDiff {
  git_oid blob;
  git_oid old_blob;
  bool has_old = false;
  bool binary = false;
  std::vector<uint32_t> added;
};
using TreeDiff = std::map<std::string, FileDiff>;

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

int on_file(const git_diff_delta* delta, float, void* payload) {
  auto& diff = *static_cast<TreeDiff*>(payload);
  if (!is_scannable(*delta)) return 0;
  FileDiff& file = diff[delta->new_file.path];
  file.blob = delta->new_file.id;
  file.has_old = delta->status != GIT_DELTA_ADDED && delta->old_file.mode != GIT_FILEMODE_UNREADABLE &&
                 !git_oid_is_zero(&delta->old_file.id);
  if (file.has_old) file.old_blob = delta->old_file.id;
  file.binary = (delta->flags & GIT_DIFF_FLAG_BINARY) != 0;
  return 0;
}

int on_line(const git_diff_delta* delta, const git_diff_hunk*, const git_diff_line* line, void* payload) {
  if (line->origin != GIT_DIFF_LINE_ADDITION || line->new_lineno <= 0) return 0;
  auto& diff = *static_cast<TreeDiff*>(payload);
  auto found = diff.find(delta->new_file.path);
  if (found != diff.end()) found->second.added.push_back(static_cast<uint32_t>(line->new_lineno));
  return 0;
}

class PushReader {
 public:
  PushReader(git_repository* view, const PushLimits& limits) : view_(view), limits_(limits) {}

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
  std::optional<git_oid> peel_to_commit(const git_oid& oid) {
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, view_, &oid, GIT_OBJECT_ANY) != 0) return std::nullopt;
    ObjectPtr object(raw);
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT) != 0) return std::nullopt;
    ObjectPtr peeled_owner(peeled);
    return *git_object_id(peeled);
  }

  Expected<TreeDiff> diff_trees(git_tree* old_tree, git_tree* new_tree, const std::string& commit_hex) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.context_lines = 0;
    options.interhunk_lines = 0;
    git_diff* raw = nullptr;
    if (git_diff_tree_to_tree(&raw, view_, old_tree, new_tree, &options) != 0)
      return std::unexpected(libgit2_error("cannot diff commit " + commit_hex + " (an object is missing or corrupt)"));
    DiffPtr diff(raw);
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
    if (git_diff_find_similar(diff.get(), &find) != 0)
      return std::unexpected(libgit2_error("cannot detect renames in commit " + commit_hex));
    TreeDiff files;
    if (git_diff_foreach(diff.get(), on_file, nullptr, nullptr, on_line, &files) != 0)
      return std::unexpected(libgit2_error("cannot read the changes of commit " + commit_hex + " (an object is missing or corrupt)"));
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

  // What the commit adds relative to all parents: for a merge, a line is new
  // only if every parent's diff adds it (a clean merge adds nothing).
  Expected<TreeDiff> new_content(git_commit* commit, git_tree* tree, const std::string& hex) {
    unsigned parents = git_commit_parentcount(commit);
    TreePtr first;
    if (parents > 0) {
      auto loaded = parent_tree(commit, 0, hex);
      if (!loaded) return std::unexpected(loaded.error());
      first = std::move(*loaded);
    }
    auto files = diff_trees(first.get(), tree, hex);
    if (!files) return files;
    for (unsigned index = 1; index < parents && !files->empty(); ++index) {
      auto other_tree = parent_tree(commit, index, hex);
      if (!other_tree) return std::unexpected(other_tree.error());
      auto other = diff_trees(other_tree->get(), tree, hex);
      if (!other) return other;
      intersect(*files, *other);
    }
    return files;
  }

  static void intersect(TreeDiff& files, const TreeDiff& other) {
    for (auto it = files.begin(); it != files.end();) {
      auto match = other.find(it->first);
      if (match == other.end()) {
        it = files.erase(it);
        continue;
      }
      std::vector<uint32_t> both;
      std::set_intersection(it->second.added.begin(), it->second.added.end(), match->second.added.begin(),
                            match->second.added.end(), std::back_inserter(both));
      it->second.added = std::move(both);
      ++it;
    }
  }

  Expected<void> read_commit(const git_oid& oid, PushContent& content) {
    std::string hex = to_hex(oid);
    git_commit* raw = nullptr;
    if (git_commit_lookup(&raw, view_, &oid) != 0)
      return std::unexpected(libgit2_error("pushed commit " + hex + " is missing or corrupt"));
    CommitPtr commit(raw);
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, raw) != 0)
      return std::unexpected(libgit2_error("tree of commit " + hex + " is missing or corrupt"));
    TreePtr tree(raw_tree);
    auto files = new_content(raw, raw_tree, hex);
    if (!files) return std::unexpected(files.error());
    size_t index = content.commits.size();
    const char* summary = git_commit_summary(raw);
    content.commits.push_back(CommitInfo{hex, summary ? summary : "", ""});
    std::vector<git_oid> parents;
    for (unsigned i = 0; i < git_commit_parentcount(raw); ++i) parents.push_back(*git_commit_parent_id(raw, i));
    parents_.emplace(oid, std::move(parents));
    commit_index_.emplace(oid, index);
    for (auto& [path, file] : *files)
      if (auto added = add_file(index, path, file, content); !added) return added;
    return {};
  }

  Expected<void> add_file(size_t commit, const std::string& path, FileDiff& diff, PushContent& content) {
    std::string blob_hex = to_hex(diff.blob);
    if (auto loaded = load_blob(diff.blob, blob_hex, path, content); !loaded) return loaded;
    bool binary = diff.binary || content.blobs[blob_hex].binary;
    if (!binary && diff.added.empty() && diff.has_old) return {};  // e.g. only lines removed
    ChangedFile file;
    file.commit = commit;
    file.path = path;
    file.blob_id = blob_hex;
    file.old_blob_id = diff.has_old ? to_hex(diff.old_blob) : "";
    file.added_lines = std::move(diff.added);
    file.binary = binary;
    content.files.push_back(std::move(file));
    return {};
  }

  Expected<void> load_blob(const git_oid& oid, const std::string& hex, const std::string& path, PushContent& content) {
    if (content.blobs.contains(hex)) return {};
    git_blob* raw = nullptr;
    if (git_blob_lookup(&raw, view_, &oid) != 0)
      return std::unexpected(libgit2_error("blob " + hex + " (" + path + ") is missing or corrupt"));
    BlobPtr blob(raw);
    auto size = static_cast<uint64_t>(git_blob_rawsize(raw));
    if (content.blob_bytes + size > limits_.max_blob_bytes)
      return fail("push brings more than " + std::to_string(limits_.max_blob_bytes >> 20) +
                  " MiB of new file content; refguard will not scan it in one push");
    content.blob_bytes += size;
    BlobData data;
    data.content.assign(static_cast<const char*>(git_blob_rawcontent(raw)), size);
    data.binary = git_blob_is_binary(raw) != 0;
    content.blobs.emplace(hex, std::move(data));
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
  PushLimits limits_;
  RevwalkPtr walk_;
  std::vector<std::pair<std::string, git_oid>> tips_;
  std::unordered_map<git_oid, size_t, OidHash, OidEqual> commit_index_;
  std::unordered_map<git_oid, std::vector<git_oid>, OidHash, OidEqual> parents_;
};

}  // namespace

Expected<PushContent> read_push(CachedRepository& repository, const std::string& quarantine_dir,
                                const std::vector<ipc::RefUpdate>& updates, const PushLimits& limits) {
  auto view = open_push_view(repository.odb.get(), quarantine_dir);
  if (!view) return std::unexpected(view.error());
  PushReader reader(view->get(), limits);
  PushContent content;
  bool quarantined = !quarantine_dir.empty();
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

Expected<PushContent> read_range(CachedRepository& repository, const std::string& range, const PushLimits& limits) {
  auto view = open_push_view(repository.odb.get(), "");
  if (!view) return std::unexpected(view.error());
  PushReader reader(repository.repository.get(), limits);
  PushContent content;
  if (auto started = reader.start_walk(); !started) return std::unexpected(started.error());
  if (auto pushed = reader.push_range(range); !pushed) return std::unexpected(pushed.error());
  if (auto read = reader.read_commits(content); !read) return std::unexpected(read.error());
  return content;
}

}  // namespace refguard::git
