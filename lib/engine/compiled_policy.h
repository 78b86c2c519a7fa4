#pragma once
// A policy compiled for scanning: detectors built, globs and allowlist regexes
// compiled, every line rule folded into one prefilter. Immutable after
// compile(); shared by every push that uses it (hold it by shared_ptr).
#include <re2/re2.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "engine/ai_classifier.h"
#include "engine/prefilter.h"
#include "policy/rule_spec.h"
#include "util/error.h"
#include "util/glob.h"

namespace refguard::engine {

struct CompiledAllowlist {
  std::vector<Glob> paths;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::string> stopwords;  // lower-case
  std::vector<std::string> commits;
  std::unordered_set<std::string> values;  // exact secrets
  std::vector<std::unique_ptr<RE2>> path_regexes;

  /// True when a hit with this secret (or line text when no secret) is allowed.
  bool allows_text(std::string_view secret) const;
  bool allows_commit(std::string_view commit_id) const;
};

struct CompiledRule {
  policy::RuleSpec spec;  // as merged from the layers
  std::vector<Glob> scope;
  CompiledAllowlist allowlist;
  std::unique_ptr<detect::Detector> detector;
  int prefilter_entry = -1;  // index into the prefilter, or -1 for file-only detectors

  /// Whether the rule looks at a file with this path and classification.
  bool applies_to(std::string_view path, bool is_ai_script) const;
};

struct CompiledRefRule {
  policy::RefRuleSpec spec;
  std::vector<Glob> refs;
  bool matches(std::string_view ref) const;
};

class CompiledPolicy {
 public:
  static Expected<std::shared_ptr<const CompiledPolicy>> compile(const policy::PolicySpec& spec);

  const std::vector<CompiledRule>& rules() const { return rules_; }
  /// The rule with this id, or null.
  const CompiledRule* rule(std::string_view id) const;
  const std::vector<CompiledRefRule>& ref_rules() const { return ref_rules_; }
  const policy::Settings& settings() const { return settings_; }
  const AiClassifier& classifier() const { return classifier_; }
  const Prefilter& prefilter() const { return *prefilter_; }
  /// Entry index -> rule index, for the prefilter's candidates.
  const std::vector<size_t>& prefilter_rules() const { return prefilter_rules_; }
  /// Identifies the policy's meaning: equal digests scan alike (scan-cache key).
  const std::string& digest() const { return digest_; }
  /// What the compiled policy holds in memory, roughly: the Vectorscan
  /// database, and per rule its matcher (RE2 programs and their DFA caches
  /// grow with the pattern). For bounding repository policies and the
  /// compiled-policy cache, not an exact count.
  size_t approx_bytes() const { return approx_bytes_; }
  /// Where it came from, in layer order.
  const std::vector<std::string>& sources() const { return sources_; }
  /// Prefilter fallbacks and other compile-time notes worth logging.
  const std::vector<std::string>& notes() const { return notes_; }
  /// The effective policy as TOML that `refguard policy check --system`
  /// accepts, for `refguard policy show`: settings, AI lists, rules with their
  /// allowlists, bypass users and locks, ref rules. `explain`: comments name
  /// the layer (file:line) each value came from, and who may bypass what.
  std::string to_toml(bool explain = false) const;

  /// Which rules look at a file at `path`: with and without AI-script content,
  /// and whether the path alone makes it an AI script. Rules whose detector
  /// can report nothing at this path (Detector::may_report_at) are left out.
  /// Memoised per path (a history has far fewer paths than file versions).
  /// Thread-safe.
  struct PathRules {
    bool ai_path = false;
    std::vector<size_t> if_ai;      // rule indexes, ascending
    std::vector<size_t> if_not_ai;  // rule indexes, ascending
    bool content_decides = false;   // not an AI path, and the two lists differ
  };
  std::shared_ptr<const PathRules> rules_for_path(std::string_view path) const;

 private:
  CompiledPolicy() = default;
  std::vector<CompiledRule> rules_;
  std::vector<CompiledRefRule> ref_rules_;
  policy::Settings settings_;
  AiClassifier classifier_;
  std::shared_ptr<const Prefilter> prefilter_;
  std::vector<size_t> prefilter_rules_;
  std::string digest_;
  size_t approx_bytes_ = 0;
  std::vector<std::string> sources_;
  std::vector<std::string> notes_;
  std::vector<std::string> ai_paths_;
  std::vector<std::string> ai_sdks_;
  std::map<std::string, policy::Origin> origins_;  // "ai.paths", "ai.sdks", "locked"
  mutable std::mutex path_rules_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const PathRules>> path_rules_;
};

}  // namespace refguard::engine
