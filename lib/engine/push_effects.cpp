#include "engine/push_effects.h"

#include <algorithm>

#include "engine/report.h"
#include "util/log.h"

namespace refguard::engine {

namespace {

void append_audit_record(const ipc::Request& request, const CheckResult& result, const PushEffects& effects,
                         const ipc::LineSink& sink) {
  if (!effects.audit || result.audited) return;
  auto audited = effects.audit->append(audit_record(request, result));
  if (effects.on_audit) effects.on_audit(audited.has_value());
  if (audited) return;
  log_error("AUDIT LOG WRITE FAILED (verdict unaffected): {}", audited.error().message);
  sink(ipc::LineKind::kWarning, prefixed("the audit log could not be written; the server admin is told"));
}

void keep_warnings_for_notes(const CheckResult& result, const PushEffects& effects) {
  if (!effects.notes || !result.accepted() || result.repository.empty() || !result.policy) return;
  effects.notes->remember(result.repository, result.policy->settings().notes_ref, result.updates, result.findings);
}

// One line per push, every value a field: `push reject repo=... pusher=... verdict=reject ...`.
// ("push accept"/"push reject" and "NNNms" stay greppable for older scripts.)
void log_decision(const ipc::Request& request, const CheckResult& result) {
  PushOutcome outcome = result.outcome();
  log_line(outcome == PushOutcome::kError ? LogLevel::kError : LogLevel::kInfo,
           result.accepted() ? "push accept" : "push reject",
           {{"repo", result.repository.empty() ? request.repo_path : result.repository},
            {"pusher", request.pusher.empty() ? "-" : request.pusher},
            {"verdict", std::string(to_string(outcome))},
            {"refs", std::to_string(request.updates.size())},
            {"commits", std::to_string(result.commits)},
            {"files", std::to_string(result.files)},
            {"findings", std::to_string(result.findings.size())},
            {"cache_hits", std::to_string(result.cache_hits)},
            {"commits_known", std::to_string(result.commits_known)},
            {"windows", std::to_string(result.windows)},
            {"duration", std::to_string(result.duration_ms()) + "ms"},
            {"duration_us", std::to_string(result.duration_us)},
            {"bypass_reason", result.bypassed > 0 ? result.bypass_reason : "-"},
            {"error", result.error.empty() ? "-" : result.error}});
}

// Blocking findings that land anyway: bypassed, or silenced by an inline allow
// (a bypass any pusher may write, so it is held to the same record).
size_t blocking_findings_let_through(const CheckResult& result) {
  return result.bypassed + std::count_if(result.silenced_inline.begin(), result.silenced_inline.end(),
                                         [](const Finding& f) { return f.severity == detect::Severity::kBlock; });
}

}  // namespace

bool audit_bypass_first(const ipc::Request& request, CheckResult& result, const PushEffects& effects) {
  if (!effects.audit || !result.accepted() || blocking_findings_let_through(result) == 0) return true;
  auto audited = effects.audit->append(audit_record(request, result));
  if (effects.on_audit) effects.on_audit(audited.has_value());
  if (audited) {
    result.audited = true;
    return true;
  }
  log_error("{} REFUSED: its audit record could not be written: {} (pusher={} reason={} silenced_inline={})",
            result.bypassed > 0 ? "BYPASS" : "INLINE ALLOW", audited.error().message,
            request.pusher.empty() ? "-" : request.pusher, result.bypass_reason.empty() ? "-" : result.bypass_reason,
            result.silenced_inline.size());
  return false;
}

void apply_effects(const ipc::Request& request, const CheckResult& result, const PushEffects& effects,
                   const ipc::LineSink& sink) {
  if (effects.record_statistics) effects.record_statistics(result);
  append_audit_record(request, result, effects, sink);
  keep_warnings_for_notes(result, effects);
  if (effects.log) log_decision(request, result);
}

}  // namespace refguard::engine
