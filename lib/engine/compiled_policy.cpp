#include "engine/compiled_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "detect/registry.h"

namespace refguard::engine {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// FNV-1a, 64 bits: a digest for cache keys, not for security.
std::string fnv1a_hex(std::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("{:016x}", hash);
}

Expected<std::vector<Glob>> compile_globs(const std::vector<std::string>& patterns, std::string_view where) {
  std::vector<Glob> globs;
  for (const auto& pattern : patterns) {
    auto glob = Glob::compile(pattern);
    if (!glob) return fail(fmt::format("{}: {}", where, glob.error().message));
    globs.push_back(std::move(*glob));
  }
  return globs;
}

Expected<CompiledAllowlist> compile_allowlist(const policy::AllowlistSpec& spec, const std::string& where) {
  CompiledAllowlist allowlist;
  auto paths = compile_globs(spec.paths, where + ".allowlist.paths");
  if (!paths) return std::unexpected(paths.error());
  allowlist.paths = std::move(*paths);
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& pattern : spec.regexes) {
    auto regex = std::make_unique<RE2>(pattern, options);
    if (!regex->ok())
      return fail(fmt::format("{}.allowlist.regexes: RE2 rejects '{}': {}", where, pattern, regex->error()));
    allowlist.regexes.push_back(std::move(regex));
  }
  for (const auto& word : spec.stopwords) allowlist.stopwords.push_back(lower(word));
  for (const auto& pattern : spec.path_regexes) {
    auto regex = std::make_unique<RE2>(pattern, options);
    if (!regex->ok())
      return fail(fmt::format("{}.allowlist.path_regexes: RE2 rejects '{}': {}", where, pattern, regex->error()));
    allowlist.path_regexes.push_back(std::move(regex));
  }
  allowlist.commits = spec.commits;
  allowlist.values.insert(spec.values.begin(), spec.values.end());
  return allowlist;
}

Expected<CompiledRule> compile_rule(const policy::RuleSpec& spec) {
  std::string where = fmt::format("{}: rule '{}'", spec.origin.text(), spec.id);
  CompiledRule rule;
  auto scope = compile_globs(spec.paths, where + ".paths");
  if (!scope) return std::unexpected(scope.error());
  rule.scope = std::move(*scope);
  auto allowlist = compile_allowlist(spec.allowlist, where);
  if (!allowlist) return std::unexpected(allowlist.error());
  rule.allowlist = std::move(*allowlist);
  if (!spec.detector) return fail(where + ": has no [rule.detector]");
  std::string type = (*spec.detector)["type"].value_or(std::string());
  auto factory = detect::find_detector_factory(type);
  if (!factory) {
    auto line = (*spec.detector).source().begin.line;
    return fail(fmt::format("{}:{}: rule '{}': detector.type: unknown detector '{}' (known: {})", spec.detector_file,
                            line, spec.id, type, fmt::join(detect::detector_type_names(), ", ")));
  }
  detect::DetectorParams params(*spec.detector, spec.detector_file, spec.id);
  rule.detector = factory(params);
  if (auto finished = params.finish(); !finished) return std::unexpected(finished.error());
  if (!rule.detector) return fail(where + ": detector could not be built");
  rule.spec = spec;
  return rule;
}

}  // namespace

bool CompiledAllowlist::allows_text(std::string_view secret) const {
  if (!values.empty() && values.contains(std::string(secret))) return true;
  for (const auto& regex : regexes)
    if (RE2::PartialMatch(re2::StringPiece(secret.data(), secret.size()), *regex)) return true;
  if (!stopwords.empty()) {
    std::string lowered = lower(secret);
    for (const auto& word : stopwords)
      if (lowered.find(word) != std::string::npos) return true;
  }
  return false;
}

bool CompiledAllowlist::allows_commit(std::string_view commit_id) const {
  for (const auto& commit : commits)
    if (commit.size() >= 4 && commit_id.substr(0, commit.size()) == commit) return true;
  return false;
}

bool CompiledRefRule::matches(std::string_view ref) const {
  return std::any_of(refs.begin(), refs.end(), [&](const Glob& glob) { return glob.matches(ref); });
}

bool CompiledRule::applies_to(std::string_view path, bool is_ai_script) const {
  if (spec.action == policy::Action::kOff) return false;
  if (spec.ai_only && !is_ai_script) return false;
  for (const auto& glob : allowlist.paths)
    if (glob.matches(path)) return false;
  for (const auto& regex : allowlist.path_regexes)
    if (RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *regex)) return false;
  if (scope.empty()) return true;
  return std::any_of(scope.begin(), scope.end(), [&](const Glob& glob) { return glob.matches(path); });
}

Expected<std::shared_ptr<const CompiledPolicy>> CompiledPolicy::compile(const policy::PolicySpec& spec) {
  std::shared_ptr<CompiledPolicy> policy(new CompiledPolicy());
  policy->settings_ = spec.settings;
  policy->sources_ = spec.sources;
  policy->ai_paths_ = spec.ai_paths;
  policy->ai_sdks_ = spec.ai_sdks;
  auto classifier = AiClassifier::create(spec.ai_paths, spec.ai_sdks);
  if (!classifier) return std::unexpected(classifier.error());
  policy->classifier_ = std::move(*classifier);
  std::vector<std::string> errors;
  std::vector<Prefilter::Entry> entries;
  for (const auto& rule_spec : spec.rules) {
    auto rule = compile_rule(rule_spec);
    if (!rule) {
      errors.push_back(rule.error().message);
      continue;
    }
    if (rule->detector->wants_lines()) {
      rule->prefilter_entry = static_cast<int>(entries.size());
      auto prefilter_spec = rule->detector->prefilter();
      entries.push_back({policy->rules_.size(), prefilter_spec.value_or(detect::PrefilterSpec{})});
      policy->prefilter_rules_.push_back(policy->rules_.size());
    }
    policy->rules_.push_back(std::move(*rule));
  }
  for (const auto& ref_spec : spec.ref_rules) {
    auto globs = compile_globs(ref_spec.refs, ref_spec.origin.text() + ": ref_rule.refs");
    if (!globs) {
      errors.push_back(globs.error().message);
      continue;
    }
    policy->ref_rules_.push_back(CompiledRefRule{ref_spec, std::move(*globs)});
  }
  if (!errors.empty()) return fail(fmt::format("{}", fmt::join(errors, "\n")));
  auto prefilter = Prefilter::compile(entries, policy->notes_);
  if (!prefilter) return std::unexpected(prefilter.error());
  policy->prefilter_ = std::move(*prefilter);
  for (auto& note : policy->notes_) {
    // Notes name rules by index; give them their ids.
    size_t hash = note.find('#');
    size_t colon = note.find(':');
    if (hash != std::string::npos && colon != std::string::npos) {
      size_t index = std::stoul(note.substr(hash + 1, colon - hash - 1));
      note = fmt::format("rule '{}'{}", policy->rules_[index].spec.id, note.substr(colon));
    }
  }
  // Digest over what changes results: the whole spec, detectors included.
  std::ostringstream canonical;
  for (const auto& rule_spec : spec.rules) {
    canonical << rule_spec.id << '\n' << policy::to_string(rule_spec.action) << '\n' << rule_spec.ai_only << '\n';
    for (const auto& p : rule_spec.paths) canonical << "p:" << p << '\n';
    for (const auto& p : rule_spec.allowlist.paths) canonical << "ap:" << p << '\n';
    for (const auto& p : rule_spec.allowlist.regexes) canonical << "ar:" << p << '\n';
    for (const auto& p : rule_spec.allowlist.stopwords) canonical << "as:" << p << '\n';
    for (const auto& p : rule_spec.allowlist.values) canonical << "av:" << p << '\n';
    for (const auto& p : rule_spec.allowlist.path_regexes) canonical << "apr:" << p << '\n';
    if (rule_spec.detector) canonical << toml::toml_formatter(*rule_spec.detector) << '\n';
  }
  for (const auto& p : spec.ai_paths) canonical << "ai:" << p << '\n';
  for (const auto& p : spec.ai_sdks) canonical << "sdk:" << p << '\n';
  policy->digest_ = fnv1a_hex(canonical.str());
  return std::shared_ptr<const CompiledPolicy>(std::move(policy));
}

std::shared_ptr<const CompiledPolicy::PathRules> CompiledPolicy::rules_for_path(std::string_view path) const {
  constexpr size_t kMaxPaths = 200000;
  std::string key(path);
  {
    std::lock_guard lock(path_rules_mutex_);
    if (auto found = path_rules_.find(key); found != path_rules_.end()) return found->second;
  }
  auto rules = std::make_shared<PathRules>();
  rules->ai_path = classifier_.is_ai_path(path);
  for (size_t i = 0; i < rules_.size(); ++i) {
    // A detector that can report nothing at this path (a path or name check)
    // is left out here, once per path, rather than asked for every file.
    bool if_ai = rules_[i].applies_to(path, true), if_not_ai = rules_[i].applies_to(path, false);
    if (!(if_ai || if_not_ai) || !rules_[i].detector->may_report_at(path)) continue;
    if (if_ai) rules->if_ai.push_back(i);
    if (if_not_ai) rules->if_not_ai.push_back(i);
  }
  rules->content_decides = !rules->ai_path && rules->if_ai != rules->if_not_ai;
  std::lock_guard lock(path_rules_mutex_);
  if (path_rules_.size() >= kMaxPaths) path_rules_.clear();
  path_rules_.emplace(std::move(key), rules);
  return rules;
}

std::string CompiledPolicy::to_toml() const {
  std::ostringstream out;
  out << "# effective policy, digest " << digest_ << "\n# layers: " << fmt::format("{}", fmt::join(sources_, " -> "))
      << "\nversion = 1\n\n";
  toml::table settings{{"time_budget_ms", settings_.time_budget_ms},
                       {"on_timeout", settings_.on_timeout == policy::TimeoutVerdict::kReject ? "reject" : "accept"},
                       {"max_findings_shown", static_cast<int64_t>(settings_.max_findings_shown)},
                       {"progress_interval_ms", settings_.progress_interval_ms},
                       {"notes_ref", settings_.notes_ref}};
  auto to_array = [](const std::vector<std::string>& values) {
    toml::array array;
    for (const auto& v : values) array.push_back(v);
    return array;
  };
  settings.insert("policy_editors", to_array(settings_.policy_editors));
  settings.insert("bypass_users", to_array(settings_.bypass_users));
  out << "[settings]\n" << toml::toml_formatter(settings) << "\n\n";
  out << "[ai]\n" << toml::toml_formatter(toml::table{{"paths", to_array(ai_paths_)}, {"sdks", to_array(ai_sdks_)}})
      << "\n";
  for (const auto& rule : rules_) {
    const auto& s = rule.spec;
    toml::table table{{"id", s.id}, {"description", s.description}, {"action", std::string(policy::to_string(s.action))},
                      {"remedy", s.remedy}};
    if (!s.paths.empty()) table.insert("paths", to_array(s.paths));
    if (s.ai_only) table.insert("ai_only", true);
    if (s.locked) table.insert("locked", true);
    if (!s.bypass_users.empty()) table.insert("bypass_users", to_array(s.bypass_users));
    if (!s.allow_bypass) table.insert("allow_bypass", false);
    if (s.detector) table.insert("detector", *s.detector);
    out << "\n# defined at " << s.origin.text() << "\n[[rule]]\n" << toml::toml_formatter(table) << "\n";
  }
  return out.str();
}

}  // namespace refguard::engine
