#include "engine/verdict.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/report.h"
#include "util/number_text.h"

namespace refguard::engine {

bool has_blocking_finding(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == detect::Severity::kBlock && !f.bypassed; });
}

ipc::Verdict decide_verdict(const CheckResult& result, policy::TimeoutVerdict on_timeout) {
  bool blocked = !result.rule_violations.empty() || has_blocking_finding(result.findings);
  bool timeout_rejects = result.timed_out && on_timeout == policy::TimeoutVerdict::kReject;
  return blocked || timeout_rejects ? ipc::Verdict::kReject : ipc::Verdict::kAccept;
}

std::string timeout_line(const CheckResult& result, int time_budget_ms, policy::TimeoutVerdict on_timeout,
                         const std::string& first_unscanned) {
  return prefixed(fmt::format("time budget of {} ms ran out: {} of {} files were NOT scanned (first: {}); "
                              "on_timeout={}",
                              with_thousands(static_cast<uint64_t>(time_budget_ms)), with_thousands(result.unscanned),
                              with_thousands(result.files), first_unscanned,
                              on_timeout == policy::TimeoutVerdict::kAccept ? "accept" : "reject"));
}

std::string verdict_line(const CheckResult& result) {
  return prefixed(fmt::format("{}: {}, {} checked in {} ms", result.accepted() ? "push accepted" : "push REJECTED",
                              counted(result.commits, "commit", "commits"), counted(result.files, "file", "files"),
                              with_thousands(static_cast<uint64_t>(result.duration_ms()))));
}

}  // namespace refguard::engine
