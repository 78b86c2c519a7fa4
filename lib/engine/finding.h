#pragma once
// Findings at three levels: what a rule found in one blob at one path (cached,
// holds no secret, only its masked form), what one commit introduced (cached
// too), and what the push is told (with the commit and ref that brought it).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "git/object_id.h"
#include "git/push_content.h"

namespace refguard::engine {

/// What an inline `refguard:allow` on a finding's line says of its rule
/// (engine/inline_allow.h). Scanning only records it; whether it silences the
/// finding is decided per push, under the policy in force.
enum class InlineAllow : uint8_t {
  kNone,        // no `refguard:allow` on the line
  kNamesRule,   // a bare allow, or one naming this rule
  kNamesOther,  // allows that name other ids only, or text that is no allow ("refguard:allowXYZ")
};

struct BlobFinding {
  uint32_t rule = 0;       // index into CompiledPolicy::rules()
  uint32_t line = 0;       // 0 = the file as a whole
  detect::Severity severity = detect::Severity::kBlock;
  std::string masked;      // masked secret, "" when none
  std::string detail;
  std::string where;       // e.g. "cell 3"
  uint64_t secret_hash = 0;  // identifies the secret without keeping it
  InlineAllow inline_allow = InlineAllow::kNone;
  std::string allow_names;  // kNamesOther: what the line's allows name, space-separated, bounded
};

/// A blob finding on a line a commit added, at the file's path in that commit.
struct CommitFinding {
  std::string path;
  BlobFinding finding;
};

/// What judging one commit under a policy found: the findings it introduced
/// and how many files it changed (all of them scanned). Enough to judge it
/// again without reading it, its trees or its blobs
/// (engine/commit_findings_cache.h).
struct CommitJudgement {
  git::JudgedCommit commit;  // its parents and summary: the commit need not be read again
  uint32_t files = 0;
  std::vector<CommitFinding> findings;
};

struct Finding {
  std::string rule_id;
  std::string description;
  std::string remedy;
  detect::Severity severity = detect::Severity::kBlock;
  git::ObjectId commit_id;  // the commit (or annotated tag) that brought it
  std::string commit_subject;
  std::string ref;
  std::string path;
  uint32_t line = 0;
  std::string where;
  std::string masked;
  std::string detail;
  std::string id;  // short stable id: rule + path + secret (for -o refguard.allow=<id>)
  bool bypassed = false;  // a blocking finding the pusher was allowed to push past
  InlineAllow inline_allow = InlineAllow::kNone;
  std::string allow_names;  // see BlobFinding
};

/// The short id a pusher types into `-o refguard.allow=<id>`: 8 hex digits of
/// a stable hash of the rule, the path and the secret (or, without one, the
/// detail and where). Never changes between builds or versions of the
/// standard library.
std::string finding_id(std::string_view rule_id, std::string_view path, const BlobFinding& finding);

}  // namespace refguard::engine
