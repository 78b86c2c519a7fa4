#pragma once
// What follows a verdict, outside the pusher's terminal: the audit record,
// the warnings kept for post-receive's git notes, the daemon's statistics and
// its log line. The daemon applies all of them; `refguard check` (the inline
// fail mode) the audit record; `refguard scan` none. Each is optional.
#include <functional>

#include "engine/audit_log.h"
#include "engine/check_result.h"
#include "engine/pending_notes.h"
#include "ipc/reply.h"
#include "ipc/request.h"

namespace refguard::engine {

struct PushEffects {
  AuditLog* audit = nullptr;     // append the decision (the pusher is warned when it cannot be written)
  PendingNotes* notes = nullptr; // keep an accepted push's warnings for post-receive
  std::function<void(const CheckResult&)> record_statistics;
  std::function<void(bool written)> on_audit;  // counted by the daemon
  bool log = false;              // one `push accept repo=... pusher=... verdict=...` line in the daemon's log
};

/// Applies `effects` for the decision `result` on `request`.
void apply_effects(const ipc::Request& request, const CheckResult& result, const PushEffects& effects,
                   const ipc::LineSink& sink);

/// A bypass, or a blocking finding silenced by an inline allow, lands only
/// with a durable audit record: writes `result`'s record now (marking it
/// audited) and returns false when it could not be written. True without an
/// audit log to write (offline scans) or with nothing let through.
bool audit_bypass_first(const ipc::Request& request, CheckResult& result, const PushEffects& effects);

}  // namespace refguard::engine
