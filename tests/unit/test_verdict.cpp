// The verdict from what the pipeline found: every way to a rejection.
#include <catch2/catch.hpp>

#include "engine/verdict.h"

using namespace refguard;
using engine::CheckResult;
using policy::TimeoutVerdict;

namespace {
engine::Finding finding(detect::Severity severity, bool bypassed = false) {
  engine::Finding f;
  f.severity = severity;
  f.bypassed = bypassed;
  return f;
}
}  // namespace

TEST_CASE("verdict: blocking findings, broken rules and timeouts decide", "[verdict]") {
  struct Case {
    const char* what;
    std::vector<engine::Finding> findings;
    bool rule_broken;
    bool timed_out;
    TimeoutVerdict on_timeout;
    ipc::Verdict expected;
  };
  using detect::Severity;
  const std::vector<Case> cases = {
      {"nothing found", {}, false, false, TimeoutVerdict::kReject, ipc::Verdict::kAccept},
      {"a warning", {finding(Severity::kWarn)}, false, false, TimeoutVerdict::kReject, ipc::Verdict::kAccept},
      {"a block", {finding(Severity::kBlock)}, false, false, TimeoutVerdict::kReject, ipc::Verdict::kReject},
      {"a bypassed block", {finding(Severity::kBlock, true)}, false, false, TimeoutVerdict::kReject,
       ipc::Verdict::kAccept},
      {"one bypassed, one not", {finding(Severity::kBlock, true), finding(Severity::kBlock)}, false, false,
       TimeoutVerdict::kReject, ipc::Verdict::kReject},
      {"a broken ref rule", {}, true, false, TimeoutVerdict::kAccept, ipc::Verdict::kReject},
      {"timeout, on_timeout=reject", {}, false, true, TimeoutVerdict::kReject, ipc::Verdict::kReject},
      {"timeout, on_timeout=accept", {}, false, true, TimeoutVerdict::kAccept, ipc::Verdict::kAccept},
      {"timeout accepted but a block", {finding(Severity::kBlock)}, false, true, TimeoutVerdict::kAccept,
       ipc::Verdict::kReject},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CheckResult result;
    result.findings = c.findings;
    if (c.rule_broken) result.rule_violations.push_back("deleting refs/heads/main is forbidden");
    result.timed_out = c.timed_out;
    CHECK(engine::decide_verdict(result, c.on_timeout) == c.expected);
  }
}

TEST_CASE("verdict: the timeout line says what was not scanned and what follows", "[verdict]") {
  CheckResult result;
  result.files = 5000;
  result.unscanned = 1200;
  auto line = engine::timeout_line(result, 4000, TimeoutVerdict::kReject, "big/file.py");
  CHECK(line == "refguard: time budget of 4,000 ms ran out: 1,200 of 5,000 files were NOT scanned "
                "(first: big/file.py); on_timeout=reject");
}

TEST_CASE("verdict: the verdict line counts commits and files", "[verdict]") {
  CheckResult result;
  result.verdict = ipc::Verdict::kAccept;
  result.commits = 3;
  result.files = 12;
  result.duration_us = 40000;
  CHECK(engine::verdict_line(result) == "refguard: push accepted: 3 commits, 12 files checked in 40 ms");
  result.verdict = ipc::Verdict::kReject;
  CHECK(engine::verdict_line(result) == "refguard: push REJECTED: 3 commits, 12 files checked in 40 ms");
  result.commits = 1;
  result.files = 1;
  CHECK(engine::verdict_line(result) == "refguard: push REJECTED: 1 commit, 1 file checked in 40 ms");
}
