#pragma once
// Scans what a push (or an offline range) brings, a window of commits at a
// time (their files read, scanned, judged, then let go: memory does not grow
// with the history's length): every distinct (blob, path) of a window once,
// through the scan cache, until a deadline. The calling thread reads
// the blobs the cache lacks (it holds the repository's lock) and the work pool
// scans them as they arrive, a bounded amount in memory at a time. Then, for
// the files with findings only, it diffs lines to keep, per commit, the
// findings on lines that commit added, or that came from a path the finding's
// rule did not look at (moved or copied out of its allowlist).
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/commit_findings_cache.h"
#include "engine/compiled_policy.h"
#include "engine/finding.h"
#include "engine/scan_cache.h"
#include "git/object_reader.h"
#include "git/push_content.h"
#include "git/unread_changes.h"
#include "git/view_pool.h"
#include "ipc/reply.h"
#include "util/error.h"
#include "util/work_pool.h"

namespace refguard::engine {

/// Where a finding in a commit's message is reported.
inline constexpr const char* kCommitMessagePath = "(commit message)";

/// How much of a push is read, scanned and judged at once: commits are added
/// to a window until it holds `max_bytes` (a commit counts 256 bytes, each
/// file it changed 512, its whole message its length;
/// settings.scan_window_mib) or `max_commits`; a single commit larger than
/// that is a window of its own. A file version met in two windows is scanned
/// in each unless the scan cache keeps it.
struct ScanWindow {
  size_t max_commits = size_t{1} << 20;
  uint64_t max_bytes = 32ull << 20;
};

struct ScanOutcome {
  std::vector<Finding> findings;
  size_t files = 0;        // changed files judged: distinct (blob, path) pairs per window, plus the files of judged commits
  size_t cache_hits = 0;   // of those, served from the scan cache or the commit findings cache
  size_t unscanned = 0;    // files left when the deadline passed
  std::string first_unscanned;  // the first of them
  size_t windows = 0;      // windows of commits read, scanned and judged in turn (ScanWindow)
  std::vector<git::MissingBlob> missing;  // files not in the repository, in commit order
};

/// Commits judged before under the policy in force, looked up while the push
/// was read (git::JudgedBefore): their trees were not diffed.
using JudgedCommits = std::unordered_map<git::ObjectId, CommitFindings, git::ObjectIdHash>;

/// Reads the files `content` left unread through `unread`, a window at a
/// time. Fails when an object the push names is missing or corrupt, or the
/// push holds more new content than the reader's limit. `judged` (may be null):
/// the commits judged before, which take their judgement from it; a commit
/// whose files were not read (CommitRecord::files_read) must be there.
/// `commit_cache` (may be null) keeps the commits this scan judges.
Expected<ScanOutcome> scan_push_content(const CompiledPolicy& policy, const ScanWindow& window,
                                        git::PushContent& content, git::UnreadChanges& unread, git::ObjectReader& objects, ScanCache& cache,
                                        WorkPool& pool, std::chrono::steady_clock::time_point deadline,
                                        const ipc::LineSink& sink, git::ParallelReading parallel = {},
                                        CommitFindingsCache* commit_cache = nullptr,
                                        const JudgedCommits* judged = nullptr);

}  // namespace refguard::engine
