#include "engine/push_effects.h"

#include "engine/report.h"
#include "util/log.h"

namespace refguard::engine {

namespace {

void append_audit_record(const ipc::Request& request, const CheckResult& result, const PushEffects& effects,
                         const ipc::LineSink& sink) {
  if (!effects.audit) return;
  auto audited = effects.audit->append(audit_record(request, result));
  if (audited) return;
  if (effects.on_audit_error) effects.on_audit_error();
  log_event("AUDIT LOG WRITE FAILED (verdict unaffected): {}", audited.error().message);
  sink(ipc::LineKind::kWarning, prefixed("the audit log could not be written; the server admin is told"));
}

void keep_warnings_for_notes(const CheckResult& result, const PushEffects& effects) {
  if (!effects.notes || !result.accepted() || result.repository.empty() || !result.policy) return;
  effects.notes->remember(result.repository, result.policy->settings().notes_ref, result.updates, result.findings);
}

void log_decision(const ipc::Request& request, const CheckResult& result) {
  log_event("push {} repo={} pusher={} refs={} commits={} files={} findings={} cache_hits={} commits_known={} {}ms{}",
            result.accepted() ? "accept" : "reject", result.repository.empty() ? request.repo_path : result.repository,
            request.pusher.empty() ? "-" : request.pusher, request.updates.size(), result.commits, result.files,
            result.findings.size(), result.cache_hits, result.commits_known, result.duration_ms,
            result.error.empty() ? "" : " error: " + result.error);
}

}  // namespace

void apply_effects(const ipc::Request& request, const CheckResult& result, const PushEffects& effects,
                   const ipc::LineSink& sink) {
  if (effects.record_statistics) effects.record_statistics(result);
  append_audit_record(request, result, effects, sink);
  keep_warnings_for_notes(result, effects);
  if (effects.log) log_decision(request, result);
}

}  // namespace refguard::engine
