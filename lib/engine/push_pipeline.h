#pragma once
// The one path of a push, start to verdict and after, as named steps:
//
//   resolve the target -> the policy in force -> read what is new -> ref and
//   policy-change rules -> scan -> drop known findings -> bypass -> verdict
//   -> effects
//
// run the same way by the daemon (every effect), `refguard check` (the
// inline fail mode: the audit record) and `refguard scan` (an offline range,
// no time budget, no effects). What differs is given, never re-implemented:
// where lines go (a LineSink), which effects apply (PushEffects), and limits
// (PipelineOptions). One PushPipeline serves every push; its checks are
// thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "engine/check_result.h"
#include "engine/commit_findings_cache.h"
#include "engine/policy_store.h"
#include "engine/push_effects.h"
#include "engine/push_scan.h"
#include "engine/scan_cache.h"
#include "git/commit_changes_cache.h"
#include "git/push_reader.h"
#include "git/repository_cache.h"
#include "ipc/reply.h"
#include "ipc/request.h"
#include "util/work_pool.h"

namespace refguard::engine {

struct PipelineOptions {
  std::vector<std::string> allowed_roots;  // canonical; empty = any repository
  git::PushLimits limits;
  bool time_budget = true;        // false: offline scans run to the end
  bool remember_commits = true;   // keep commits' changes and findings for the next push (re-push after a rejection)
  std::vector<std::string> ignore_files;  // more ignore files, beside the repository's own (`refguard scan --ignore-file`)
  std::optional<ScanWindow> window;  // how much of a push is scanned at once; unset: the policy's scan_window_mib
};

class PushPipeline {
 public:
  PushPipeline(git::RepositoryCache& repositories, PolicyStore& policies, ScanCache& scan_cache, WorkPool& pool,
               PipelineOptions options = {});

  /// Checks a pre-receive request and applies `effects`. Never throws; a
  /// failure rejects with the reason.
  CheckResult check_push(const ipc::Request& request, const ipc::LineSink& sink, const PushEffects& effects = {});

  /// Checks the commits of `range` ("A..B", a revision = its history, "" =
  /// every ref) in the repository at `path` (bare or a work tree), as if they
  /// were pushed: same policy, same detectors, no ref rules, no bypass.
  CheckResult check_range(const std::string& path, const std::string& range, const ipc::LineSink& sink);

  /// Commits' judgements go to, and come from, the fleet's shared cache too
  /// (null: in-process only). Set before the first check.
  void share_commit_findings(SharedScanCache* shared) { commit_findings_.set_shared(shared); }

  /// For status and metrics.
  const git::CommitChangesCache& commit_changes() const { return changes_cache_; }
  const CommitFindingsCache& commit_findings() const { return commit_findings_; }

 private:
  class Run;
  void run_steps(Run& run);

  git::RepositoryCache& repositories_;
  PolicyStore& policies_;
  ScanCache& scan_cache_;
  WorkPool& pool_;
  PipelineOptions options_;
  git::CommitChangesCache changes_cache_;
  CommitFindingsCache commit_findings_;
};

}  // namespace refguard::engine
