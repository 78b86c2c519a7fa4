#include "git/unread_changes.h"

#include <algorithm>
#include <cstring>

#include "git/commit_changes.h"
#include "util/work_pool.h"

namespace refguard::git {

namespace {

// The unread commits whose index lies in [begin, end).
std::pair<std::vector<UnreadCommit>::const_iterator, std::vector<UnreadCommit>::const_iterator> unread_in(
    const PushContent& content, size_t begin, size_t end) {
  auto by_index = [](const UnreadCommit& unread, size_t index) { return unread.index < index; };
  auto first = std::lower_bound(content.unread.begin(), content.unread.end(), begin, by_index);
  auto last = std::lower_bound(first, content.unread.end(), end, by_index);
  return {first, last};
}

}  // namespace

std::string_view whole_message(git_commit* commit) {
  const char* message = git_commit_message(commit);
  if (!message) return {};
  std::string_view whole(message, strnlen(message, kMaxScannedMessage));
  while (!whole.empty() && (whole.back() == '\n' || whole.back() == '\r')) whole.remove_suffix(1);
  return whole;
}

Expected<CommitChanges> UnreadChanges::read_one(git_repository* repository, git_odb* odb, const ObjectId& id,
                                                const UnreadCommit& unread) const {
  const CommitRecord& spine = *unread.spine;
  CommitRecord record;
  record.summary = spine.summary;
  record.parents = spine.parents;
  record.tree = spine.tree;
  if (unread.has_body) {  // read again: the walk kept only the summary
    auto commit = acquire<CommitPtr>([&] { return "pushed commit " + id.hex() + " is missing or corrupt"; },
                                     git_commit_lookup, repository, id.get());
    if (!commit) return std::unexpected(commit.error());
    record.message.assign(whole_message(commit->get()));
  }
  KnownTrees trees{spine.tree, spine.parents, {unread.first_parent_tree}};
  auto files = read_commit_changes(repository, odb, id.raw(), trees, missing_allowed_);
  if (!files) return std::unexpected(files.error());
  record.files = std::move(*files);
  CommitChanges whole = std::make_shared<const CommitRecord>(std::move(record));
  if (cache_) cache_->insert(id.raw(), whole);
  return whole;
}

Expected<void> UnreadChanges::read(PushContent& content, size_t begin, size_t end) {
  auto [first, last] = unread_in(content, begin, end);
  std::vector<const UnreadCommit*> to_read;  // not read yet: a window may start inside a run read for the last one
  for (auto it = first; it != last; ++it)
    if (content.commits[it->index].changes == it->spine) to_read.push_back(&*it);
  size_t count = to_read.size();
  auto read_commits = [&](git_repository* repository, git_odb* odb, size_t from, size_t to) -> Expected<void> {
    for (size_t k = from; k < to; ++k) {
      CommitInfo& commit = content.commits[to_read[k]->index];
      auto whole = read_one(repository, odb, commit.id, *to_read[k]);
      if (!whole) return std::unexpected(whole.error());
      commit.changes = std::move(*whole);  // distinct slots; the cache locks itself
    }
    return {};
  };
  if (!parallel_.applies(count)) {
    git_odb* odb = nullptr;
    if (git_repository_odb(&odb, view_) != 0) return std::unexpected(libgit2_error("cannot open the push objects"));
    OdbPtr owned(odb);
    return read_commits(view_, odb, 0, count);
  }
  // Runs of consecutive commits per task: a commit's diff reads its
  // parent's trees, which the parent's diff (mostly the commit just before
  // it) left in the same handle's object cache. One commit per task spread
  // neighbours over threads, and every tree was read and parsed twice.
  constexpr size_t kPerTask = 64;
  auto read_task = [&](size_t task) -> Expected<void> {
    auto lease = parallel_.views->borrow();
    if (!lease) return std::unexpected(lease.error());
    return read_commits((*lease)->repository.get(), (*lease)->odb.get(), task * kPerTask,
                        std::min(count, (task + 1) * kPerTask));
  };
  return parallel_.pool->parallel_for_each_until_error((count + kPerTask - 1) / kPerTask, read_task);
}

void UnreadChanges::put_back(PushContent& content, size_t begin, size_t end) {
  auto [first, last] = unread_in(content, begin, end);
  for (auto it = first; it != last; ++it) content.commits[it->index].changes = it->spine;
}

}  // namespace refguard::git
