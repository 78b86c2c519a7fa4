#include "engine/compiled_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "detect/registry.h"
#include "util/text.h"
#include "util/stable_hash.h"

namespace refguard::engine {

namespace {

Expected<std::vector<Glob>> compile_globs(const std::vector<std::string>& patterns, std::string_view where) {
  std::vector<Glob> globs;
  for (const auto& pattern : patterns) {
    auto glob = Glob::compile(pattern);
    if (!glob) return fail(fmt::format("{}: {}", where, glob.error().message));
    globs.push_back(std::move(*glob));
  }
  return globs;
}

template <class Where>
Expected<CompiledAllowlist> compile_allowlist(const policy::RuleSpec& rule, const Where& where_of) {
  const policy::AllowlistSpec& spec = rule.allowlist;
  CompiledAllowlist allowlist;
  auto paths = compile_globs(spec.paths, where_of("allowlist.paths") + ".allowlist.paths");
  if (!paths) return std::unexpected(paths.error());
  allowlist.paths = std::move(*paths);
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& pattern : spec.regexes) {
    auto regex = std::make_unique<RE2>(pattern, options);
    if (!regex->ok())
      return fail(fmt::format("{}.allowlist.regexes: RE2 rejects '{}': {}", where_of("allowlist.regexes"), pattern,
                              regex->error()));
    allowlist.regexes.push_back(std::move(regex));
  }
  for (const auto& word : spec.stopwords) allowlist.stopwords.push_back(ascii_lower(word));
  for (const auto& pattern : spec.path_regexes) {
    auto regex = std::make_unique<RE2>(pattern, options);
    if (!regex->ok())
      return fail(fmt::format("{}.allowlist.path_regexes: RE2 rejects '{}': {}", where_of("allowlist.path_regexes"), pattern, regex->error()));
    allowlist.path_regexes.push_back(std::move(regex));
  }
  allowlist.commits = spec.commits;
  allowlist.values.insert(spec.values.begin(), spec.values.end());
  return allowlist;
}

Expected<CompiledRule> compile_rule(const policy::RuleSpec& spec) {
  // Each error points at the line of the value, not at the [[rule]] header.
  auto where = [&](const std::string& key) {
    return fmt::format("{}: rule '{}'", spec.origin_of(key).text(), spec.id);
  };
  CompiledRule rule;
  auto scope = compile_globs(spec.paths, where("paths") + ".paths");
  if (!scope) return std::unexpected(scope.error());
  rule.scope = std::move(*scope);
  auto allowlist = compile_allowlist(spec, where);
  if (!allowlist) return std::unexpected(allowlist.error());
  rule.allowlist = std::move(*allowlist);
  if (!spec.detector) return fail(where("detector") + ": has no [rule.detector]");
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
  if (!rule.detector) return fail(where("detector") + ": detector could not be built");
  rule.spec = spec;
  return rule;
}

}  // namespace

bool CompiledAllowlist::allows_text(std::string_view secret) const {
  if (!values.empty() && values.contains(std::string(secret))) return true;
  for (const auto& regex : regexes)
    if (RE2::PartialMatch(re2::StringPiece(secret.data(), secret.size()), *regex)) return true;
  if (!stopwords.empty()) {
    std::string lowered = ascii_lower(secret);
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
  policy->origins_ = spec.value_origins;
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
  policy->digest_ = stable_hash_hex(canonical.str());
  // Measured on 13,500 regex rules: ~13 KB a rule (RE2 objects, programs and
  // the DFA state they start with), more for long patterns.
  constexpr size_t kRuleBytes = 16 << 10, kPatternByteCost = 64;
  policy->approx_bytes_ = policy->prefilter_->database_bytes() + canonical.str().size();
  for (const auto& rule : policy->rules_) {
    auto prefilter_spec = rule.detector ? rule.detector->prefilter() : std::nullopt;
    policy->approx_bytes_ += kRuleBytes + (prefilter_spec ? prefilter_spec->regex.size() * kPatternByteCost : 0);
  }
  return std::shared_ptr<const CompiledPolicy>(std::move(policy));
}

const CompiledRule* CompiledPolicy::rule(std::string_view id) const {
  auto found = std::find_if(rules_.begin(), rules_.end(), [&](const CompiledRule& rule) { return rule.spec.id == id; });
  return found == rules_.end() ? nullptr : &*found;
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

namespace {

toml::array to_array(const std::vector<std::string>& values) {
  toml::array array;
  for (const auto& v : values) array.push_back(v);
  return array;
}

std::string toml_text(const toml::table& table) {
  std::ostringstream out;
  out << toml::toml_formatter(table, toml::toml_formatter::default_flags & ~toml::format_flags::indentation);
  return out.str();
}

std::string quoted_list(const std::vector<std::string>& values) {
  return values.empty() ? "nobody" : fmt::format("{}", fmt::join(values, ", "));
}

// "# from FILE:LINE" lines for each value of a rule set by a layer.
std::string explain_rule(const policy::RuleSpec& s) {
  std::string out = fmt::format("# rule '{}' defined at {}\n", s.id, s.origin.text());
  for (const auto& [key, origin] : s.value_origins)
    if (key != "id" && key != "allowlist") out += fmt::format("#   {} from {}\n", key, origin.text());
  if (s.locked) out += fmt::format("#   locked by {}: repository layers cannot weaken it or bypass it\n", s.locked_by);
  if (!s.allow_bypass) out += "#   allow_bypass = false: nobody may bypass it\n";
  return out;
}

toml::table rule_table(const policy::RuleSpec& s) {
  toml::table table{{"id", s.id}, {"description", s.description}, {"action", std::string(policy::to_string(s.action))},
                    {"remedy", s.remedy}};
  if (!s.paths.empty()) table.insert("paths", to_array(s.paths));
  if (s.ai_only) table.insert("ai_only", true);
  if (s.locked) table.insert("locked", true);
  if (!s.bypass_users.empty()) table.insert("bypass_users", to_array(s.bypass_users));
  if (!s.allow_bypass) table.insert("allow_bypass", false);
  toml::table allowlist;
  const auto& a = s.allowlist;
  for (const auto& [key, values] : {std::pair{"paths", &a.paths}, std::pair{"regexes", &a.regexes},
                                    std::pair{"stopwords", &a.stopwords}, std::pair{"commits", &a.commits}})
    if (!values->empty()) allowlist.insert(key, to_array(*values));
  if (!allowlist.empty()) table.insert("allowlist", std::move(allowlist));
  if (s.detector) table.insert("detector", *s.detector);
  return table;
}

}  // namespace

// Sections are formatted one by one (toml++ sorts keys within a table) so
// that comments can sit beside them; top-level keys come before any table.
std::string CompiledPolicy::to_toml(bool explain) const {
  std::ostringstream out;
  const policy::Settings defaults;
  const auto& set = settings_;
  auto from = [&](const std::map<std::string, policy::Origin>& origins, const std::string& key) {
    auto found = origins.find(key);
    return found == origins.end() ? std::string("built-in default") : found->second.text();
  };
  out << "# effective policy, digest " << digest_ << "\n# layers: " << fmt::format("{}", fmt::join(sources_, " -> "))
      << "\n";
  if (explain) {
    out << "#\n# Who may bypass (git push -o refguard.bypass=\"reason\", or -o refguard.allow=<id>):\n";
    out << fmt::format("#   every rule that allows it: {} (settings.bypass_users, {})\n", quoted_list(set.bypass_users),
                       from(set.value_origins, "bypass_users"));
    out << fmt::format("#   every rule not locked: {} (a repository's settings.bypass_users, {})\n",
                       quoted_list(set.repository_bypass_users), from(set.value_origins, "repository_bypass_users"));
    for (const auto& rule : rules_) {
      const auto& s = rule.spec;
      if (!s.allow_bypass) out << fmt::format("#   rule '{}': nobody (allow_bypass = false)\n", s.id);
      else if (!s.bypass_users.empty())
        out << fmt::format("#   rule '{}': also {} ({})\n", s.id, quoted_list(s.bypass_users), s.origin_of("bypass_users").text());
    }
    out << fmt::format("#   refused pushers are told to ask: {} (settings.contact, {})\n",
                       set.contact.empty() ? "their repository or server admin" : set.contact,
                       from(set.value_origins, "contact"));
  }
  out << "\nversion = 1\n\n";
  toml::table settings{{"max_findings_shown", static_cast<int64_t>(set.max_findings_shown)},
                       {"progress_interval_ms", set.progress_interval_ms},
                       {"notes_ref", set.notes_ref},
                       {"contact", set.contact},
                       {"policy_editors", to_array(set.policy_editors)},
                       {"bypass_users", to_array(set.bypass_users)}};
  // System-only settings: printed as values only when a system policy changed
  // them, so that the output also checks as a repository layer otherwise.
  if (set.time_budget_ms != defaults.time_budget_ms) settings.insert("time_budget_ms", set.time_budget_ms);
  if (set.on_timeout != defaults.on_timeout)
    settings.insert("on_timeout", set.on_timeout == policy::TimeoutVerdict::kReject ? "reject" : "accept");
  out << "[settings]\n" << toml_text(settings) << "\n";
  if (set.time_budget_ms == defaults.time_budget_ms) out << "# time_budget_ms = " << set.time_budget_ms << "\n";
  if (set.on_timeout == defaults.on_timeout) out << "# on_timeout = \"reject\"\n";
  if (!set.repository_bypass_users.empty())
    out << fmt::format("# repository layers' bypass_users (never for locked rules): {}\n",
                       quoted_list(set.repository_bypass_users));
  if (explain)
    for (const auto& [key, origin] : set.value_origins) out << fmt::format("#   settings.{} from {}\n", key, origin.text());
  out << "\n[ai]\n" << toml_text(toml::table{{"paths", to_array(ai_paths_)}, {"sdks", to_array(ai_sdks_)}}) << "\n";
  if (explain)
    for (const auto& [key, origin] : origins_) out << fmt::format("#   {} from {}\n", key, origin.text());
  for (const auto& rule : rules_) {
    out << "\n" << (explain ? explain_rule(rule.spec) : fmt::format("# defined at {}\n", rule.spec.origin.text()));
    out << toml_text(toml::table{{"rule", toml::array{rule_table(rule.spec)}}}) << "\n";
  }
  for (const auto& ref_rule : ref_rules_) {
    const auto& r = ref_rule.spec;
    std::vector<std::string> forbid;
    if (r.forbid_force_push) forbid.push_back("force-push");
    if (r.forbid_delete) forbid.push_back("delete");
    toml::table table{{"refs", to_array(r.refs)}, {"forbid", to_array(forbid)}};
    if (!r.message.empty()) table.insert("message", r.message);
    out << fmt::format("\n# defined at {}\n", r.origin.text())
        << toml_text(toml::table{{"ref_rule", toml::array{std::move(table)}}}) << "\n";
  }
  return out.str();
}

}  // namespace refguard::engine
