#include "engine/push_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "engine/bypass.h"
#include "engine/push_scan.h"
#include "engine/push_target.h"
#include "engine/report.h"
#include "git/default_branch.h"
#include "git/object_reader.h"
#include "git/push_reader.h"
#include "git/quarantine_odb.h"
#include "util/number_text.h"

namespace refguard::engine {

namespace {

using Clock = std::chrono::steady_clock;

// A push that changes the committed policy on the default branch must come
// from a policy editor (when the policy names any) and must load, exactly as
// `refguard policy check` would; it never judges itself (the policy in force
// is the one from before the push).
Expected<std::vector<std::string>> check_policy_changes(PolicyStore& store, const CompiledPolicy& policy,
                                                        const git::PushContent& content, git::ObjectReader& objects,
                                                        const std::string& default_branch, const std::string& pusher) {
  std::vector<std::string> problems;
  for (const auto& commit : content.commits) {
    if (commit.ref != default_branch) continue;
    for (const auto& file : commit.files()) {
      if (file.path != kCommittedPolicyFile) continue;
      const auto& editors = policy.settings().policy_editors;
      if (!editors.empty() && std::find(editors.begin(), editors.end(), pusher) == editors.end())
        problems.push_back(fmt::format("{} may not change {} on {} (policy editors: {})",
                                       pusher.empty() ? "an unidentified pusher" : pusher, kCommittedPolicyFile,
                                       default_branch, fmt::join(editors, ", ")));
      auto blob = objects.read_blob(git::to_hex(file.blob), file.path);
      if (!blob) return std::unexpected(blob.error());
      std::string name = fmt::format("{} (commit {})", kCommittedPolicyFile, commit.id.substr(0, 10));
      if (auto checked = store.check_repository_layer(blob->content, name); !checked)
        problems.push_back("the pushed policy is invalid:\n" + checked.error().message);
    }
  }
  return problems;
}

// Protected refs: forbidden force-pushes and deletions, one line each.
std::vector<std::string> check_ref_rules(const CompiledPolicy& policy, const std::vector<ipc::RefUpdate>& updates,
                                         const std::vector<bool>& forced) {
  std::vector<std::string> violations;
  for (size_t i = 0; i < updates.size(); ++i) {
    const auto& update = updates[i];
    bool force = i < forced.size() && forced[i];
    for (const auto& rule : policy.ref_rules()) {
      if (!rule.matches(update.ref_name)) continue;
      const char* what = update.is_delete() && rule.spec.forbid_delete ? "deleting"
                         : force && rule.spec.forbid_force_push     ? "force-pushing"
                                                                    : nullptr;
      if (!what) continue;
      violations.push_back(fmt::format("{} {} is forbidden by policy ({}){}", what, update.ref_name,
                                       rule.spec.origin.text(), rule.spec.message.empty() ? "" : ": " + rule.spec.message));
      break;
    }
  }
  return violations;
}

// Pushers the policy trusts learn how to bypass; everyone else whom to ask.
void tell_how_to_bypass(const CompiledPolicy& policy, const std::string& pusher, const std::vector<Finding>& findings,
                        const LineSink& sink) {
  const Finding* first = nullptr;
  for (const auto& f : findings)
    if (f.severity == detect::Severity::kBlock && !f.bypassed) {
      first = &f;
      break;
    }
  if (!first) return;
  if (may_bypass(policy, pusher, first->rule_id))
    sink(ipc::LineKind::kError,
         prefixed(fmt::format("you may push past this: git push -o refguard.bypass=\"reason\" (all) or "
                              "-o refguard.allow={} (this finding only)",
                              first->id)));
  else
    sink(ipc::LineKind::kError, prefixed(fmt::format("if this is a false positive, {}", whom_to_ask(policy, first->rule_id))));
}

}  // namespace

PushChecker::PushChecker(git::RepositoryCache& repositories, PolicyStore& policies, ScanCache& cache, WorkPool& pool,
                         CheckerOptions options)
    : repositories_(repositories), policies_(policies), cache_(cache), pool_(pool), options_(std::move(options)) {}

CheckResult PushChecker::check(const ipc::Request& request, const LineSink& sink) {
  CheckResult result;
  auto started = Clock::now();
  auto reject = [&](const std::string& why) {
    result.verdict = ipc::Verdict::kReject;
    result.error = why;
    sink(ipc::LineKind::kError, prefixed("push rejected: " + why));
    return result;
  };
  auto target = resolve_push_target(request, options_.allowed_roots);
  if (!target) return reject(target.error().message);
  result.repository = target->git_dir;
  auto repository = repositories_.open(target->git_dir);
  if (!repository) return reject(repository.error().message);

  // libgit2 handles are single-threaded: this push reads through the cached
  // repository alone, from the policy load to the last line diff. Scanning
  // still runs on the pool, fed by this thread.
  std::lock_guard repository_lock((*repository)->mutex);
  std::string default_branch =
      git::default_branch_ref((*repository)->repository.get()).value_or("refs/heads/main");
  git_odb_refresh((*repository)->odb.get());  // packs may have changed since the last push
  auto committed = git::read_default_branch_file((*repository)->repository.get(), kCommittedPolicyFile);
  if (!committed) sink(ipc::LineKind::kWarning, prefixed(committed.error().message));
  PolicyLoad load = policies_.for_repository(target->git_dir, committed ? *committed : std::nullopt);
  for (const auto& warning : load.warnings) sink(ipc::LineKind::kWarning, prefixed(warning));
  auto view = git::open_push_view((*repository)->odb.get(), target->quarantine);
  if (!view) return reject(view.error().message);
  git::PushLimits limits;
  // Large pushes read on every pool thread, each through its own handle.
  git::ViewPool views((*repository)->path, target->quarantine);
  git::ParallelReading parallel{&pool_, &views};
  auto content = git::read_push(**repository, view->get(), !target->quarantine.empty(), request.updates, limits,
                                &changes_cache_, parallel);
  if (!content) return reject(content.error().message);
  git::ObjectReader objects(view->get(), limits.max_blob_bytes);
  const CompiledPolicy& policy = *load.policy;
  result.notes_ref = policy.settings().notes_ref;
  result.commits = content->commits.size();
  result.commits_known = content->commits_from_cache;

  std::vector<std::string> ref_violations = check_ref_rules(policy, request.updates, content->forced);
  auto policy_problems = check_policy_changes(policies_, policy, *content, objects, default_branch, request.pusher);
  if (!policy_problems) return reject(policy_problems.error().message);
  for (const auto& problem : *policy_problems) ref_violations.push_back(problem);
  for (const auto& violation : ref_violations) {
    size_t start = 0;  // multi-line messages (policy errors): one remote line each
    for (size_t end; (end = violation.find('\n', start)) != std::string::npos; start = end + 1)
      sink(ipc::LineKind::kError, prefixed((start == 0 ? "BLOCKED " : "    ") + violation.substr(start, end - start)));
    sink(ipc::LineKind::kError, prefixed((start == 0 ? "BLOCKED " : "    ") + violation.substr(start)));
  }

  auto deadline = started + std::chrono::milliseconds(policy.settings().time_budget_ms);
  auto scanned =
      scan_push_content(policy, *content, objects, cache_, pool_, deadline, sink, parallel, &commit_findings_);
  if (!scanned) return reject(scanned.error().message);
  ScanOutcome& outcome = *scanned;
  result.findings = std::move(outcome.findings);
  result.files = outcome.files;
  result.cache_hits = outcome.cache_hits;
  result.timed_out = !outcome.unscanned.empty();

  BypassRequest bypass = parse_push_options(request.push_options);
  BypassOutcome bypassed = apply_bypass(policy, request.pusher, bypass, result.findings);
  result.bypassed = bypassed.bypassed;
  result.bypass_reason = bypass.reason;
  bool blocked = !ref_violations.empty() ||
                 std::any_of(result.findings.begin(), result.findings.end(), [](const Finding& f) {
                   return f.severity == detect::Severity::kBlock && !f.bypassed;
                 });
  for (const auto& line : format_findings({&result.findings, policy.settings().max_findings_shown, blocked, result.commits}))
    sink(line.kind, line.text);
  for (const auto& line : bypassed.lines) sink(line.kind, line.text);
  if (blocked) tell_how_to_bypass(policy, request.pusher, result.findings, sink);
  result.verdict = blocked ? ipc::Verdict::kReject : ipc::Verdict::kAccept;
  if (result.timed_out) {
    const auto& missing = outcome.unscanned;
    bool accept = policy.settings().on_timeout == policy::TimeoutVerdict::kAccept;
    sink(accept ? ipc::LineKind::kWarning : ipc::LineKind::kError,
         prefixed(fmt::format("time budget of {} ms ran out: {} of {} files were NOT scanned (first: {}); "
                              "on_timeout={}",
                              with_thousands(policy.settings().time_budget_ms), with_thousands(missing.size()),
                              with_thousands(result.files),
                              missing.empty() ? "" : missing.front(), accept ? "accept" : "reject")));
    if (!accept) result.verdict = ipc::Verdict::kReject;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  sink(result.verdict == ipc::Verdict::kAccept ? ipc::LineKind::kInfo : ipc::LineKind::kError,
       prefixed(fmt::format("{}: {}, {} checked in {} ms",
                            result.verdict == ipc::Verdict::kAccept ? "push accepted" : "push REJECTED",
                            counted(result.commits, "commit", "commits"), counted(result.files, "file", "files"),
                            with_thousands(elapsed))));
  return result;
}

}  // namespace refguard::engine
