#include "git/push_reader.h"

#include "git/unread_changes.h"
#include "git/pack_commits.h"
#include "git/quarantine_odb.h"
#include "util/text.h"
#include "util/work_pool.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

namespace refguard::git {

namespace {

// A commit as the walk read it: its spine, and whether its message is more
// than its summary (then read again with its files).
struct WalkedCommit {
  CommitRecord spine;
  bool has_body = false;
};

class PushReader {
 public:
  PushReader(git_repository* view, const PushLimits& limits, CommitChangesCache* changes_cache,
             const ParallelReading& parallel, const JudgedBefore& judged_before)
      : view_(view),
        limits_(limits),
        changes_cache_(changes_cache),
        parallel_(parallel),
        judged_before_(judged_before) {}

  Expected<void> start_walk() {
    auto walk = acquire<RevwalkPtr>("cannot start the commit walk", git_revwalk_new, view_);
    if (!walk) return std::unexpected(walk.error());
    walk_ = std::move(*walk);
    git_revwalk_sorting(walk_.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
    return {};
  }

  /// Commits reachable from any ref the repository already has are not new.
  Expected<void> hide_existing_refs(git_repository* real) {
    auto listed = acquire<ReferenceIteratorPtr>("cannot list refs", git_reference_iterator_new, real);
    if (!listed) return std::unexpected(listed.error());
    ReferenceIteratorPtr iterator = std::move(*listed);
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

  /// Adds one pushed tip; records annotated tags it carries. The object is
  /// read once (a push of thousands of refs reads thousands of them).
  Expected<void> add_tip(const std::string& ref, const ObjectId& id, PushContent& content) {
    auto missing = [&] { return libgit2_error("pushed object " + id.hex() + " for " + ref + " is missing or corrupt"); };
    // The object's header says what it is: a commit (nearly every ref) is
    // not read here; the walk reads it, unless it was judged before.
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    git_odb* odb = view_odb();
    if (!odb || git_odb_read_header(&size, &type, odb, id.get()) != 0) return std::unexpected(missing());
    if (type == GIT_OBJECT_COMMIT) {
      tips_.emplace_back(ref, id.raw());
      return {};
    }
    if (type != GIT_OBJECT_TAG) return {};  // a tree or blob brings no commits
    git_object* raw = nullptr;
    if (git_object_lookup(&raw, view_, id.get(), GIT_OBJECT_ANY) != 0) return std::unexpected(missing());
    ObjectPtr object(raw);
    if (git_object_type(raw) == GIT_OBJECT_TAG) {
      const git_tag* tag = reinterpret_cast<const git_tag*>(raw);
      const char* message = git_tag_message(tag);
      content.tags.push_back(TagInfo{ref, id, message ? message : ""});
    }
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT) != 0) return {};  // a tag of a tree or blob brings no commits
    ObjectPtr peeled_owner(peeled);
    tips_.emplace_back(ref, *git_object_id(peeled));
    return {};
  }

  /// True when the ref moves to a commit that does not contain its old one.
  bool is_forced(const ObjectId& old_id, const ObjectId& new_id) {
    auto old_commit = peel_to_commit(old_id.raw());
    auto new_commit = peel_to_commit(new_id.raw());
    if (!old_commit || !new_commit) return old_id != new_id;
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

  /// A large push's commits are read ahead, on every pool thread, before the
  /// walk: the quarantine's pack index and one byte per entry say which of
  /// its objects are commits (git/pack_commits.h). The walk then finds them
  /// read (walked_); any it does not find it reads itself, as ever.
  /// Commits judged before (asked for all of them at once, first) are not
  /// read at all: their judgement has what the walk needs.
  Expected<void> read_ahead(const std::string& quarantine_dir) {
    if (!parallel_.pool || !parallel_.views) return {};
    std::vector<git_oid> listed = leading_commits_in(quarantine_dir + "/pack", limits_.max_commits);
    if (!parallel_.applies(listed.size())) return {};
    ask_judged(listed);
    std::vector<git_oid> ids;
    ids.reserve(listed.size());
    walked_.reserve(listed.size());
    for (const auto& id : listed)
      if (const auto& judged = judged_.at(id)) walked_.emplace(id, judged_record(*judged));
      else ids.push_back(id);
    if (!parallel_.applies(ids.size())) return {};
    constexpr size_t kPerTask = 256;  // commits per borrowed handle
    std::vector<std::optional<WalkedCommit>> records(ids.size());
    auto read = parallel_.pool->parallel_for_each_until_error(
        (ids.size() + kPerTask - 1) / kPerTask, [&](size_t task) -> Expected<void> {
          auto lease = parallel_.views->borrow();
          if (!lease) return std::unexpected(lease.error());
          for (size_t i = task * kPerTask; i < std::min(ids.size(), (task + 1) * kPerTask); ++i) {
            git_commit* raw = nullptr;
            if (git_commit_lookup(&raw, (*lease)->repository.get(), &ids[i]) != 0) continue;  // the walk will say why
            CommitPtr owned(raw);
            records[i] = describe(raw);
          }
          return {};
        });
    if (!read) return read;
    for (size_t i = 0; i < ids.size(); ++i)
      if (records[i]) walked_.emplace(ids[i], std::move(*records[i]));
    return {};
  }

  /// With a quarantine, the new commits are exactly those reachable from the
  /// pushed tips through commits in the quarantine (git wrote them there:
  /// the push brought them): O(push), however many refs and how much history
  /// the repository has. A commit the push brought that the repository had
  /// already is judged again (never less). Where the walk leaves the
  /// quarantine, the commit must be in the repository (git's connectivity
  /// check has made sure; a corrupt one is refused all the same). Parents are
  /// read before children.
  Expected<void> read_commits_from_quarantine(git_repository* quarantine, git_odb* repository_odb,
                                              PushContent& content) {
    auto quarantine_odb = acquire<OdbPtr>("cannot open the quarantine", git_repository_odb, quarantine);
    if (!quarantine_odb) return std::unexpected(quarantine_odb.error());
    std::vector<git_oid> order;
    OidSet seen;
    seen.reserve(4096);
    known_.reserve(4096);
    std::vector<std::pair<git_oid, bool>> stack;  // (commit, its parents already pushed)
    for (auto it = tips_.rbegin(); it != tips_.rend(); ++it) stack.emplace_back(it->second, false);
    while (!stack.empty()) {
      auto [oid, expanded] = stack.back();
      stack.pop_back();
      if (expanded) {
        order.push_back(oid);
        continue;
      }
      if (seen.contains(oid)) continue;
      // A commit read before (say, by the push that was rejected) is walked
      // past from the cache: no object is read, only its presence checked.
      CommitChanges known = changes_cache_ ? changes_cache_->find(oid) : nullptr;
      auto ahead = walked_.find(oid);  // read ahead: in the quarantine's pack
      CommitPtr commit;
      bool pushed = ahead != walked_.end();
      if (!pushed && known) {
        pushed = git_odb_exists_ext(quarantine_odb->get(), &oid, GIT_ODB_LOOKUP_NO_REFRESH) == 1;
      } else if (!pushed) {
        // One lookup both tells whether the push brought it and reads it.
        git_commit* raw = nullptr;
        int error = git_commit_lookup(&raw, quarantine, &oid);
        if (error != 0 && error != GIT_ENOTFOUND)
          return std::unexpected(libgit2_error("pushed commit " + ObjectId(oid).hex() + " is missing or corrupt"));
        commit.reset(raw);
        pushed = error == 0;
      }
      if (!pushed) {
        if (!git_odb_exists(repository_odb, &oid))
          return fail("pushed commit " + ObjectId(oid).hex() + " is missing or corrupt");
        continue;  // history the repository has
      }
      seen.insert(oid);
      if (seen.size() > limits_.max_commits)
        return fail("push brings more than " + std::to_string(limits_.max_commits) + " commits");
      stack.emplace_back(oid, true);
      if (known) {
        for (auto parent = known->parents.rbegin(); parent != known->parents.rend(); ++parent)
          stack.emplace_back(parent->raw(), false);
        known_.emplace(oid, std::move(known));
        continue;
      }
      if (ahead != walked_.end()) {
        const auto& parents = ahead->second.spine.parents;
        for (auto parent = parents.rbegin(); parent != parents.rend(); ++parent) stack.emplace_back(parent->raw(), false);
        continue;
      }
      git_commit* raw = commit.get();
      for (unsigned i = git_commit_parentcount(raw); i-- > 0;) stack.emplace_back(*git_commit_parent_id(raw, i), false);
      walked_.emplace(oid, describe(raw));  // read_commits_in needs not look it up again
    }
    return read_commits_in(order, content);
  }

  Expected<void> read_commits(PushContent& content) {
    for (const auto& [ref, tip] : tips_)
      if (git_revwalk_push(walk_.get(), &tip) != 0)
        return std::unexpected(libgit2_error("cannot walk from " + ObjectId(tip).hex() + " (" + ref + ")"));
    std::vector<git_oid> order;
    git_oid oid;
    int error;
    while ((error = git_revwalk_next(&oid, walk_.get())) == 0) {
      if (order.size() >= limits_.max_commits)
        return fail("push brings more than " + std::to_string(limits_.max_commits) + " commits");
      order.push_back(oid);
    }
    if (error != GIT_ITEROVER) return std::unexpected(libgit2_error("walking the pushed commits failed"));
    return read_commits_in(order, content);
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

  git_odb* view_odb() {
    if (!odb_) {
      git_odb* raw = nullptr;
      if (git_repository_odb(&raw, view_) != 0) return nullptr;
      odb_.reset(raw);
    }
    return odb_.get();
  }

  // What the walk keeps of a commit: its spine (its files, and its whole
  // message when that is more than its summary, are read in the scan's
  // windows: git/unread_changes.h).
  static WalkedCommit describe(git_commit* commit) {
    WalkedCommit walked;
    CommitRecord& record = walked.spine;
    const char* summary = git_commit_summary(commit);
    record.summary = summary ? summary : "";
    bool cut = record.summary.size() > kMaxSummary;
    walked.has_body = cut || whole_message(commit) != record.summary;
    if (cut) {
      record.summary.resize(utf8_cut(record.summary, kMaxSummary));
      record.summary.shrink_to_fit();
    }
    for (unsigned p = 0; p < git_commit_parentcount(commit); ++p) record.parents.push_back(*git_commit_parent_id(commit, p));
    record.tree = *git_commit_tree_id(commit);
    record.files_read = false;
    return walked;
  }

  // Asks the caller which of `ids` were judged before under the policy in
  // force, except those asked about already; every id then has an answer in
  // judged_ (null: not judged, or nobody to ask).
  void ask_judged(const std::vector<git_oid>& ids) {
    std::vector<ObjectId> unasked;
    for (const auto& id : ids)
      if (judged_.try_emplace(id).second) unasked.emplace_back(id);
    if (!judged_before_ || unasked.empty()) return;
    auto answers = judged_before_(unasked);
    if (answers.size() != unasked.size()) return;  // a confused answer judges nothing
    for (size_t i = 0; i < unasked.size(); ++i) judged_[unasked[i].raw()] = std::move(answers[i]);
  }

  // The record of a commit judged before: from its judgement, not its object.
  static WalkedCommit judged_record(const JudgedCommit& judged) {
    WalkedCommit walked;
    walked.spine.summary = judged.summary;
    walked.spine.parents = judged.parents;
    walked.spine.files_read = false;  // its trees need no diff; the record is incomplete, so never cached
    return walked;
  }

  // Lists the commits of `order` (parents first): known ones from the cache,
  // the others' spines (read here, unless the walk or the read-ahead did).
  // The files of those neither cached nor judged before are left unread
  // (PushContent::unread), each with the trees its diff will need.
  Expected<void> read_commits_in(const std::vector<git_oid>& order, PushContent& content) {
    ask_judged(order);
    std::vector<CommitChanges> records(order.size());
    std::vector<size_t> unread;
    std::vector<bool> has_body(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const git_oid& oid = order[i];
      if (auto found = known_.find(oid); found != known_.end()) records[i] = found->second;
      else if (changes_cache_) records[i] = changes_cache_->find(oid);
      if (records[i]) {
        ++content.commits_from_cache;
        continue;
      }
      const auto& judged = judged_.at(oid);
      WalkedCommit walked;
      if (auto found = walked_.find(oid); found != walked_.end()) {
        walked = std::move(found->second);
        walked_.erase(found);
      } else if (judged) {
        walked = judged_record(*judged);
      } else {
        git_commit* raw = nullptr;
        if (git_commit_lookup(&raw, view_, &oid) != 0)
          return std::unexpected(libgit2_error("pushed commit " + ObjectId(oid).hex() + " is missing or corrupt"));
        CommitPtr commit(raw);
        walked = describe(raw);
      }
      records[i] = std::make_shared<const CommitRecord>(std::move(walked.spine));
      if (judged) continue;  // its trees need no diff
      unread.push_back(i);
      has_body[i] = walked.has_body;
    }
    walked_ = {};
    std::vector<ObjectId> parent_trees = first_parent_trees(order, unread, records);
    content.unread.reserve(unread.size());
    for (size_t k = 0; k < unread.size(); ++k)
      content.unread.push_back(UnreadCommit{unread[k], parent_trees[k], has_body[unread[k]], records[unread[k]]});
    // Files are not copied out of the records: a re-push of 20,000 known
    // commits once spent most of its time allocating their 50,000 paths.
    content.commits.reserve(order.size());
    commit_index_.reserve(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      content.commits.push_back(CommitInfo{order[i], "", std::move(records[i])});
      commit_index_.emplace(order[i], i);
    }
    attribute_refs(content);
    return {};
  }

  // Per commit of `unread`: its first parent's tree, when the walk read that
  // parent (a commit among `order` that was not judged before).
  static std::vector<ObjectId> first_parent_trees(const std::vector<git_oid>& order, const std::vector<size_t>& unread,
                                                  const std::vector<CommitChanges>& records) {
    OidMap<ObjectId> tree_of;
    tree_of.reserve(order.size());
    for (size_t i = 0; i < order.size(); ++i)
      if (!records[i]->tree.is_zero()) tree_of.emplace(order[i], records[i]->tree);
    std::vector<ObjectId> trees(unread.size());
    for (size_t k = 0; k < unread.size(); ++k) {
      const CommitRecord& record = *records[unread[k]];
      if (record.parents.empty()) continue;
      if (auto found = tree_of.find(record.parents.front().raw()); found != tree_of.end()) trees[k] = found->second;
    }
    return trees;
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
        for (const auto& parent : info.changes->parents) stack.push_back(parent.raw());
      }
    }
  }

  git_repository* view_;
  OdbPtr odb_;  // the view's: presence checks
  PushLimits limits_;
  CommitChangesCache* changes_cache_;
  ParallelReading parallel_;
  JudgedBefore judged_before_;
  OidMap<CommitChanges> known_;  // cached commits met by the walk
  OidMap<WalkedCommit> walked_;  // the others, read ahead or met by the walk: their spines
  OidMap<std::shared_ptr<const JudgedCommit>> judged_;  // every commit asked about: its judgement, or null
  RevwalkPtr walk_;
  std::vector<std::pair<std::string, git_oid>> tips_;
  OidMap<size_t> commit_index_;
};

}  // namespace

Expected<PushContent> read_push(CachedRepository& repository, git_repository* view, const std::string& quarantine_dir,
                                std::vector<RefUpdate> updates, const PushLimits& limits,
                                CommitChangesCache* changes_cache, ParallelReading parallel,
                                const JudgedBefore& judged_before) {
  PushReader reader(view, limits, changes_cache, parallel, judged_before);
  PushContent content;
  if (auto started = reader.start_walk(); !started) return std::unexpected(started.error());
  bool quarantined = !quarantine_dir.empty();
  if (!quarantined)
    if (auto hidden = reader.hide_existing_refs(repository.repository.get()); !hidden)
      return std::unexpected(hidden.error());
  content.updates = std::move(updates);
  for (auto& update : content.updates)
    update.forced = !update.is_create() && !update.is_delete() && reader.is_forced(update.old_id, update.new_id);
  for (const auto& update : content.updates) {
    if (update.is_delete()) continue;  // nothing to scan, and no quarantine then
    if (auto added = reader.add_tip(update.ref, update.new_id, content); !added)
      return std::unexpected(added.error());
  }
  if (!quarantined) {
    if (auto read = reader.read_commits(content); !read) return std::unexpected(read.error());
    return content;
  }
  auto quarantine = open_quarantine(quarantine_dir);
  if (!quarantine) return std::unexpected(quarantine.error());
  if (auto ahead = reader.read_ahead(quarantine_dir); !ahead) return std::unexpected(ahead.error());
  if (auto read = reader.read_commits_from_quarantine(quarantine->get(), repository.odb.get(), content); !read)
    return std::unexpected(read.error());
  return content;
}

Expected<PushContent> read_range(CachedRepository& repository, const std::string& range, const PushLimits& limits,
                                 CommitChangesCache* changes_cache, ParallelReading parallel,
                                 const JudgedBefore& judged_before) {
  PushReader reader(repository.repository.get(), limits, changes_cache, parallel, judged_before);
  PushContent content;
  if (auto started = reader.start_walk(); !started) return std::unexpected(started.error());
  if (auto pushed = reader.push_range(range); !pushed) return std::unexpected(pushed.error());
  if (auto read = reader.read_commits(content); !read) return std::unexpected(read.error());
  return content;
}

}  // namespace refguard::git
