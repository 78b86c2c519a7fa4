#include "engine/push_pipeline.h"

#include "engine/push_budget.h"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "engine/bypass.h"
#include "engine/finding_ignore.h"
#include "engine/inline_allow.h"
#include "engine/push_rules.h"
#include "engine/push_scan.h"
#include "engine/push_target.h"
#include "engine/report.h"
#include "engine/verdict.h"
#include "git/default_branch.h"
#include "git/object_reader.h"
#include "git/quarantine_odb.h"
#include "git/view_pool.h"

namespace refguard::engine {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

// One check's state, filled in step by step. A step that fails records why
// (result.error) and returns false; the steps after it do not run.
class PushPipeline::Run {
 public:
  /// A push (`request`), or an offline range of the repository at `path`.
  Run(PushPipeline& pipeline, const ipc::Request* request, std::string path, std::string range,
      const ipc::LineSink& sink)
      : pipeline_(pipeline),
        request_(request),
        path_(std::move(path)),
        range_(std::move(range)),
        sink_(sink),
        started_(Clock::now()) {}

  bool resolve_target() { return is_push() ? resolve_push_target() : resolve_range_target(); }
  bool read_new_content() { return is_push() ? read_push() : read_range(); }

  // Step 1, a push: the repository and quarantine the hook names, canonical
  // and checked (nothing from the socket is trusted), opened through the
  // repository cache and locked for the whole check: libgit2 handles are
  // single-threaded; a large push reads on pool threads through handles of
  // their own.
  bool resolve_push_target() {
    auto target = engine::resolve_push_target(*request_, pipeline_.options_.allowed_roots);
    if (!target) return fail(target.error().message);
    result_.repository = target->git_dir;
    quarantine_ = target->quarantine;
    auto updates = ref_updates_of(*request_);
    if (!updates) return fail(updates.error().message);
    result_.updates = std::move(*updates);
    auto repository = pipeline_.repositories_.open(target->git_dir);
    if (!repository) return fail(repository.error().message);
    return hold(std::move(*repository));
  }

  // Step 1, an offline range: the repository at `path`, bare or a work tree.
  bool resolve_range_target() {
    auto repository = git::open_repository(path_);
    if (!repository) return fail(repository.error().message);
    result_.repository = (*repository)->path;
    return hold(std::move(*repository));
  }

  // Step 2: built-in -> system -> the repository's own files, the committed
  // one as it is on the default branch *before* the push (a push never
  // judges itself).
  void load_policy_in_force() {
    git_repository* handle = repository_->repository.get();
    default_branch_ = git::default_branch_ref(handle).value_or("refs/heads/main");
    auto committed = git::read_default_branch_file(handle, kCommittedPolicyFile);
    PolicyLoad load = pipeline_.policies_.for_repository(repository_->path, committed ? *committed : std::nullopt);
    if (!committed) load.warnings.insert(load.warnings.begin(), committed.error().message);
    for (const auto& warning : load.warnings) say(ipc::LineKind::kWarning, warning);
    result_.policy = std::move(load.policy);
    result_.warnings = std::move(load.warnings);
  }

  // Step 2b: known, accepted findings (engine/finding_ignore.h), from the
  // repository's files as they are before the push, and any given.
  bool load_ignore_list() {
    ignore_ = load_repository_ignore_list(repository_->repository.get(), repository_->path);
    for (const auto& file : pipeline_.options_.ignore_files)
      if (auto read = read_ignore_file(file, ignore_); !read) return fail(read.error().message);
    result_.ignore_files = ignore_.sources;
    return true;
  }

  // Step 3: the new commits and the files each changes (no content yet).
  bool read_push() {
    // The policy in force sets the push's limits and budget (an import's, when asked and allowed).
    budget_ = push_budget(*result_.policy, request_->pusher, request_->push_options);
    budget_->limits.missing_blobs_allowed = false;  // a push needs every object
    result_.import = budget_->import;
    for (const auto& notice : budget_->notices) say(ipc::LineKind::kInfo, notice);
    auto view = git::open_push_view(repository_->odb.get(), quarantine_);
    if (!view) return fail(view.error().message);
    view_ = std::move(*view);
    auto content = git::read_push(*repository_, view_.get(), quarantine_, result_.updates,
                                  budget_->limits, commit_changes_cache(), parallel(), judged_before());
    if (!content) return fail(content.error().message);
    return keep_content(std::move(*content), view_.get());
  }

  // Asks, once the new commits are known, which were judged before (none
  // when commits are not remembered).
  git::JudgedBefore judged_before() {
    if (!commit_findings_cache()) return nullptr;
    return [this](const std::vector<git::ObjectId>& commits) { return look_up_judged(commits); };
  }

  // The new commits judged before under the policy in force, here or (with a
  // shared cache) by another server: kept for the scan, so their trees need
  // no diff. One batched lookup for the whole push.
  std::vector<std::shared_ptr<const git::JudgedCommit>> look_up_judged(const std::vector<git::ObjectId>& commits) {
    const std::string& digest = result_.policy->digest();
    std::vector<std::string> keys;
    keys.reserve(commits.size());
    for (const auto& id : commits) keys.push_back(CommitFindingsCache::key(digest, id));
    std::vector<const std::string*> wanted;
    wanted.reserve(keys.size());
    for (const auto& key : keys) wanted.push_back(&key);
    auto found = commit_findings_cache()->find_many(wanted);
    std::vector<std::shared_ptr<const git::JudgedCommit>> judged(commits.size());
    for (size_t i = 0; i < commits.size(); ++i)
      if (found[i]) {
        judged[i] = {found[i], &found[i]->commit};  // shares the judgement's ownership
        judged_commits_.emplace(commits[i], std::move(found[i]));
      }
    return judged;
  }

  bool read_range() {
    auto content = git::read_range(*repository_, range_, pipeline_.options_.limits, commit_changes_cache(), parallel(),
                                   judged_before());
    if (!content) return fail(content.error().message);
    return keep_content(std::move(*content), repository_->repository.get());
  }

  // Step 4: protected refs and changes of the committed policy file (a push only).
  bool check_push_rules() {
    if (!is_push()) return true;
    const CompiledPolicy& policy = *result_.policy;
    result_.rule_violations = check_ref_rules(policy, content_->updates);
    auto policy_problems = check_policy_changes(pipeline_.policies_, policy, *content_, view_.get(), *objects_,
                                                repository_->path, default_branch_, request_->pusher);
    if (!policy_problems) return fail(policy_problems.error().message);
    for (auto& problem : *policy_problems) result_.rule_violations.push_back(std::move(problem));
    for (const auto& violation : result_.rule_violations) report_violation(violation);
    return true;
  }

  // Step 5: every new (blob, path) once, through the scan cache, on the work
  // pool, until the policy's time budget runs out.
  bool scan() {
    const CompiledPolicy& policy = *result_.policy;
    auto deadline = pipeline_.options_.time_budget
                        ? started_ + std::chrono::milliseconds(time_budget_ms())
                        : Clock::time_point::max();
    ScanWindow window;
    window.max_bytes = policy.settings().scan_window_mib << 20;
    auto scanned = scan_push_content(policy, pipeline_.options_.window.value_or(window), *content_, *unread_, *objects_, pipeline_.scan_cache_, pipeline_.pool_,
                                     deadline, sink_, parallel(), commit_findings_cache(), &judged_commits_);
    if (!scanned) return fail(scanned.error().message);
    result_.findings = std::move(scanned->findings);
    result_.files = scanned->files;
    result_.cache_hits = scanned->cache_hits;
    result_.unscanned = scanned->unscanned;
    result_.windows = scanned->windows;
    result_.missing = std::move(scanned->missing);
    result_.timed_out = scanned->unscanned > 0;
    first_unscanned_ = std::move(scanned->first_unscanned);
    return true;
  }

  // Step 5b: findings an inline `refguard:allow` names are set aside for the
  // audit record, unless their rule is locked; what the pusher is told of
  // allows that silenced nothing comes after the findings (decide()).
  void apply_inline_allows() {
    InlineAllowOutcome allowed = engine::apply_inline_allows(*result_.policy, result_.findings, is_push());
    result_.silenced_inline = std::move(allowed.silenced);
    inline_allow_lines_ = std::move(allowed.lines);
  }

  // Step 6: findings the repository's admins accepted are left out; a
  // locked rule's findings never are.
  void drop_ignored_findings() {
    IgnoreOutcome dropped = drop_ignored(*result_.policy, ignore_, result_.findings);
    result_.ignored = dropped.ignored;
    for (const auto& line : ignore_report_lines(ignore_, dropped)) sink_(line.kind, line.text);
    for (const auto& problem : ignore_.problems) result_.warnings.push_back(problem);
    for (const auto& note : dropped.notes) result_.warnings.push_back(note);
  }

  // Step 7: -o refguard.bypass / -o refguard.allow, for the pushers the policy trusts.
  void apply_bypass() {
    if (!is_push()) return;
    BypassRequest bypass = parse_push_options(request_->push_options);
    BypassOutcome bypassed = engine::apply_bypass(*result_.policy, request_->pusher, bypass, result_.findings);
    result_.bypassed = bypassed.bypassed;
    result_.bypass_reason = bypass.reason;
    bypass_lines_ = std::move(bypassed.lines);
  }

  // Step 8: the verdict, and what the pusher reads about the findings.
  void decide() {
    const CompiledPolicy& policy = *result_.policy;
    const auto& settings = policy.settings();
    bool blocked = !result_.rule_violations.empty() || has_blocking_finding(result_.findings);
    for (const auto& line :
         format_findings({&result_.findings, settings.max_findings_shown, blocked, result_.commits}))
      sink_(line.kind, line.text);
    for (const auto& line : inline_allow_lines_) sink_(line.kind, line.text);
    for (const auto& line : bypass_lines_) sink_(line.kind, line.text);
    if (blocked && request_) tell_how_to_bypass();
    result_.verdict = decide_verdict(result_, settings.on_timeout);
    if (result_.timed_out)
      sink_(settings.on_timeout == policy::TimeoutVerdict::kAccept ? ipc::LineKind::kWarning : ipc::LineKind::kError,
            timeout_line(result_, time_budget_ms(), settings.on_timeout, first_unscanned_));
  }

  // A bypass (or an inline allow of a blocking finding) that would land needs
  // its audit record first; when the log cannot be written the push is
  // rejected instead, and says why.
  void audit_bypass_first(const ipc::Request& request, const PushEffects& effects) {
    record_duration();
    if (engine::audit_bypass_first(request, result_, effects)) return;
    result_.verdict = ipc::Verdict::kReject;
    say(ipc::LineKind::kError,
        fmt::format("{}: the audit log cannot be written, and {} never taken off the record; the push is "
                    "rejected. The server admin is told (daemon log); try again once it is fixed",
                    result_.bypassed > 0 ? "bypass refused" : "refguard:allow refused",
                    result_.bypassed > 0 ? "a bypass is" : "findings silenced inline are"));
  }

  void record_duration() {
    result_.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
  }

  // Last: every check ends with its verdict line, failed ones included.
  CheckResult finish() {
    record_duration();
    sink_(result_.accepted() ? ipc::LineKind::kInfo : ipc::LineKind::kError, verdict_line(result_));
    return std::move(result_);
  }

 private:
  bool is_push() const { return request_ != nullptr; }

  // A push's budget (the policy's, or an import's); offline scans have none.
  int time_budget_ms() const { return budget_ ? budget_->time_budget_ms : result_.policy->settings().time_budget_ms; }

  bool fail(const std::string& why) {
    result_.verdict = ipc::Verdict::kReject;
    result_.error = why;
    say(ipc::LineKind::kError, "push rejected: " + why);
    return false;
  }

  void say(ipc::LineKind kind, const std::string& text) { sink_(kind, prefixed(text)); }

  bool hold(std::shared_ptr<git::CachedRepository> repository) {
    repository_ = std::move(repository);
    repository_lock_ = std::unique_lock(repository_->mutex);
    git_odb_refresh(repository_->odb.get());  // packs may have changed since the last push
    return true;
  }

  bool keep_content(git::PushContent content, git_repository* reader) {
    content_ = std::move(content);
    result_.commits = content_->commits.size();
    result_.commits_known = content_->commits_from_cache;
    if (is_push()) result_.updates = content_->updates;  // now with `forced`
    const git::PushLimits& limits = budget_ ? budget_->limits : pipeline_.options_.limits;
    objects_.emplace(reader, limits.max_blob_bytes);
    unread_.emplace(reader, limits.missing_blobs_allowed, commit_changes_cache(), parallel());
    return true;
  }

  // Multi-line messages (policy errors): one remote line each.
  void report_violation(const std::string& violation) {
    size_t start = 0;
    for (size_t end; (end = violation.find('\n', start)) != std::string::npos; start = end + 1)
      sink_(ipc::LineKind::kError, prefixed((start == 0 ? "BLOCKED " : "    ") + violation.substr(start, end - start)));
    sink_(ipc::LineKind::kError, prefixed((start == 0 ? "BLOCKED " : "    ") + violation.substr(start)));
  }

  // Pushers the policy trusts learn how to bypass; everyone else whom to ask.
  void tell_how_to_bypass() {
    const CompiledPolicy& policy = *result_.policy;
    const Finding* first = nullptr;
    for (const auto& f : result_.findings)
      if (f.severity == detect::Severity::kBlock && !f.bypassed) {
        first = &f;
        break;
      }
    if (!first) return;
    if (may_bypass(policy, request_->pusher, first->rule_id))
      say(ipc::LineKind::kError,
          fmt::format("you may push past this: git push -o refguard.bypass=\"reason\" (all) or "
                      "-o refguard.allow={} (this finding only)",
                      first->id));
    else
      say(ipc::LineKind::kError, fmt::format("if this is a false positive, {}", whom_to_ask(policy, first->rule_id)));
  }

  git::CommitChangesCache* commit_changes_cache() {
    return pipeline_.options_.remember_commits ? &pipeline_.changes_cache_ : nullptr;
  }
  CommitFindingsCache* commit_findings_cache() {
    return pipeline_.options_.remember_commits ? &pipeline_.commit_findings_ : nullptr;
  }
  // Large pushes read on every pool thread, each through its own handle.
  git::ParallelReading parallel() {
    if (!views_) views_.emplace(repository_->path, quarantine_);
    return git::ParallelReading{&pipeline_.pool_, &*views_};
  }

  PushPipeline& pipeline_;
  const ipc::Request* request_;  // null for an offline range
  std::string path_;             // an offline range's repository
  std::string range_;
  const ipc::LineSink& sink_;
  std::optional<PushBudget> budget_;  // a push's limits and time budget (step 4)
  JudgedCommits judged_commits_;      // found while reading (step 3), for the scan (step 5)
  Clock::time_point started_;
  CheckResult result_;
  std::string quarantine_;
  std::shared_ptr<git::CachedRepository> repository_;
  std::unique_lock<std::mutex> repository_lock_;
  std::string default_branch_;
  git::RepositoryPtr view_;
  std::optional<git::ViewPool> views_;  // declared after repository_lock_: its handles close before the unlock
  std::optional<git::PushContent> content_;
  std::optional<git::ObjectReader> objects_;
  std::optional<git::UnreadChanges> unread_;  // the files of the new commits, read while they are scanned
  std::vector<ReportLine> inline_allow_lines_;
  std::vector<ReportLine> bypass_lines_;
  IgnoreList ignore_;
  std::string first_unscanned_;
};

PushPipeline::PushPipeline(git::RepositoryCache& repositories, PolicyStore& policies, ScanCache& scan_cache,
                           WorkPool& pool, PipelineOptions options)
    : repositories_(repositories),
      policies_(policies),
      scan_cache_(scan_cache),
      pool_(pool),
      options_(std::move(options)) {}

// The pipeline. A step that fails has rejected with its reason; the steps
// after it do not run, and the verdict line still ends the check.
void PushPipeline::run_steps(Run& run) {
  if (!run.resolve_target()) return;     // canonical repository and quarantine, opened and locked
  run.load_policy_in_force();            // built-in -> system -> the repository's files before the push
  if (!run.load_ignore_list()) return;   // known findings the repository's admins accepted
  if (!run.read_new_content()) return;   // new commits and the files each changes
  if (!run.check_push_rules()) return;   // protected refs, policy-change rules
  if (!run.scan()) return;               // every new (blob, path) once, within the time budget
  run.apply_inline_allows();             // `refguard:allow` on a finding's line (never a locked rule's)
  run.drop_ignored_findings();           // .refguardignore, refguardignore (never a locked rule's)
  run.apply_bypass();                    // -o refguard.bypass / -o refguard.allow
  run.decide();                          // findings reported, the verdict
}

CheckResult PushPipeline::check_push(const ipc::Request& request, const ipc::LineSink& sink,
                                     const PushEffects& effects) {
  Run run(*this, &request, "", "", sink);
  run_steps(run);
  run.audit_bypass_first(request, effects);  // a bypass lands only once it is on record
  CheckResult result = run.finish();
  apply_effects(request, result, effects, sink);  // audit, notes, statistics, log
  return result;
}

CheckResult PushPipeline::check_range(const std::string& path, const std::string& range, const ipc::LineSink& sink) {
  Run run(*this, nullptr, path, range, sink);
  run_steps(run);
  return run.finish();
}

}  // namespace refguard::engine
