#pragma once
// The verdict of a push from what the pipeline found, and the lines that
// state it: pure functions, so every way to a verdict is unit-tested.
#include <string>
#include <vector>

#include "engine/check_result.h"
#include "engine/finding.h"
#include "policy/rule_spec.h"

namespace refguard::engine {

/// True when some finding blocks and was not bypassed.
bool has_blocking_finding(const std::vector<Finding>& findings);

/// Reject on a broken rule, an unbypassed blocking finding, or a time budget
/// that ran out when the policy says on_timeout = "reject".
ipc::Verdict decide_verdict(const CheckResult& result, policy::TimeoutVerdict on_timeout);

/// What the pusher is told when the time budget ran out before every file was scanned.
std::string timeout_line(const CheckResult& result, int time_budget_ms, policy::TimeoutVerdict on_timeout,
                         const std::string& first_unscanned);

/// The last line of every check: "push accepted: 3 commits, 1 file checked in 40 ms".
std::string verdict_line(const CheckResult& result);

}  // namespace refguard::engine
