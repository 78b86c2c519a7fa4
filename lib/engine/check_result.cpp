#include "engine/check_result.h"

namespace refguard::engine {

std::string_view to_string(PushOutcome outcome) {
  switch (outcome) {
    case PushOutcome::kAccept: return "accept";
    case PushOutcome::kReject: return "reject";
    case PushOutcome::kBypass: return "bypass";
    case PushOutcome::kTimeout: return "timeout";
    case PushOutcome::kError: return "error";
  }
  return "error";
}

PushOutcome CheckResult::outcome() const {
  if (!error.empty()) return PushOutcome::kError;
  if (timed_out) return PushOutcome::kTimeout;
  if (!accepted()) return PushOutcome::kReject;
  return bypassed > 0 ? PushOutcome::kBypass : PushOutcome::kAccept;
}

}  // namespace refguard::engine
