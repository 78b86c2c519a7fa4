#pragma once
// The check of one push, start to verdict: resolve the repository and the
// quarantine, load the policy in force (never one the push brings), read
// what is new, scan it on the work pool within the policy's time budget
// (each blob once, through the scan cache), and report to the pusher.
// One PushChecker serves every push; check() is thread-safe.
#include <functional>
#include <string>
#include <vector>

#include "engine/commit_findings_cache.h"
#include "engine/finding.h"
#include "engine/policy_store.h"
#include "engine/push_scan.h"
#include "engine/scan_cache.h"
#include "git/commit_changes_cache.h"
#include "git/repository_cache.h"
#include "ipc/reply.h"
#include "ipc/request.h"
#include "util/work_pool.h"

namespace refguard::engine {

struct CheckResult {
  ipc::Verdict verdict = ipc::Verdict::kReject;
  std::vector<Finding> findings;
  std::string repository;       // canonical git dir ("" if it could not be resolved)
  std::string error;            // why the check itself failed ("" if it ran)
  size_t commits = 0;
  size_t files = 0;             // see ScanOutcome::files
  size_t cache_hits = 0;
  size_t commits_known = 0;     // commits whose changes came from the commit cache (read before)
  bool timed_out = false;
  size_t bypassed = 0;          // blocking findings pushed past
  std::string bypass_reason;
  std::string notes_ref;        // where the policy in force keeps notes
};

struct CheckerOptions {
  std::vector<std::string> allowed_roots;  // canonical; empty = any repository
};

class PushChecker {
 public:
  PushChecker(git::RepositoryCache& repositories, PolicyStore& policies, ScanCache& cache, WorkPool& pool,
              CheckerOptions options = {});

  /// Checks a pre-receive request. Never throws; a failure rejects with the reason.
  CheckResult check(const ipc::Request& request, const LineSink& sink);

  /// For status and metrics.
  const git::CommitChangesCache& commit_changes() const { return changes_cache_; }
  const CommitFindingsCache& commit_findings() const { return commit_findings_; }

 private:
  git::RepositoryCache& repositories_;
  PolicyStore& policies_;
  ScanCache& cache_;
  WorkPool& pool_;
  CheckerOptions options_;
  git::CommitChangesCache changes_cache_;
  CommitFindingsCache commit_findings_;
};

}  // namespace refguard::engine
