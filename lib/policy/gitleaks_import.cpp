#include "policy/gitleaks_import.h"

#include "policy/toml_reader.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <vector>

namespace refguard::policy {

namespace {

// What an allowlist adds to one rule.
struct MappedAllowlist {
  std::vector<std::string> regexes, stopwords, path_regexes, commits, line_regexes;
};

class GitleaksReader : public TomlReader {
 public:
  explicit GitleaksReader(std::string source) : TomlReader(std::move(source)) {}

  void check_keys(const toml::table& table, std::initializer_list<std::string_view> known, std::string_view where) {
    for (const auto& [key, node] : table)
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        error(&node, fmt::format("{}{}", where, key.str()), "this gitleaks setting has no refguard equivalent");
  }

  // Absent or mistyped (an error): no strings.
  std::vector<std::string> strings(const toml::table& table, std::string_view key, std::string_view where) {
    return TomlReader::strings(table, key, where).value_or(std::vector<std::string>());
  }

  // Checks that RE2 compiles a Go regex; refuses it otherwise.
  bool regex_ok(const toml::node* at, std::string_view what, const std::string& pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    RE2 regex(pattern, options);
    if (regex.ok()) return true;
    error(at, what, fmt::format("RE2 (refguard's regex engine) rejects '{}': {}", pattern, regex.error()));
    return false;
  }

  void read_allowlist(const toml::table& table, std::string_view where, bool whole_match_is_secret,
                      MappedAllowlist& out, std::vector<std::string>* target_rules) {
    std::vector<std::string_view> known = {"description", "condition", "regexTarget", "regexes",
                                           "stopwords", "paths", "commits"};
    if (target_rules) known.push_back("targetRules");
    for (const auto& [key, node] : table)
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        error(&node, fmt::format("{}{}", where, key.str()), "this gitleaks allowlist setting has no refguard equivalent");
    auto regexes = strings(table, "regexes", where);
    auto stopwords = strings(table, "stopwords", where);
    auto paths = strings(table, "paths", where);
    auto commits = strings(table, "commits", where);
    if (target_rules) *target_rules = strings(table, "targetRules", where);
    if (auto condition = string(table, "condition", where)) {
      std::string folded = *condition;
      std::transform(folded.begin(), folded.end(), folded.begin(), [](unsigned char c) { return std::toupper(c); });
      int kinds = !regexes.empty() + !stopwords.empty() + !paths.empty() + !commits.empty();
      if (folded == "AND" && kinds > 1)
        error(table.get("condition"), fmt::format("{}condition", where),
              "\"AND\" across regexes, stopwords, paths or commits cannot be mapped: a refguard allowlist drops a "
              "finding when any one entry matches (split the allowlist, or narrow the rule)");
      else if (folded != "AND" && folded != "OR")
        error(table.get("condition"), fmt::format("{}condition", where), "must be \"OR\" or \"AND\"");
    }
    std::string target = string(table, "regexTarget", where).value_or("secret");
    for (const auto& pattern : regexes) {
      if (!regex_ok(table.get("regexes"), fmt::format("{}regexes", where), pattern)) continue;
      // "match" is the secret itself when the rule has no secretGroup.
      bool on_secret = target == "secret" || (target == "match" && whole_match_is_secret);
      if (on_secret) out.regexes.push_back(pattern);
      else if (target == "line") out.line_regexes.push_back(pattern);
      else if (target == "match")
        error(table.get("regexTarget"), fmt::format("{}regexTarget", where),
              "\"match\" on a rule with a secretGroup cannot be mapped: refguard's allowlist regexes see the secret");
      else
        error(table.get("regexTarget"), fmt::format("{}regexTarget", where), "must be \"secret\", \"match\" or \"line\"");
    }
    out.stopwords.insert(out.stopwords.end(), stopwords.begin(), stopwords.end());
    for (const auto& pattern : paths)
      if (regex_ok(table.get("paths"), fmt::format("{}paths", where), pattern)) out.path_regexes.push_back(pattern);
    out.commits.insert(out.commits.end(), commits.begin(), commits.end());
  }

  // The allowlists of one rule: [rules.allowlist] (before gitleaks 8.21) and [[rules.allowlists]].
  void read_rule_allowlists(const toml::table& rule, std::string_view where, bool whole_match, MappedAllowlist& out) {
    if (const toml::node* node = rule.get("allowlist")) {
      if (const toml::table* table = node->as_table()) read_allowlist(*table, fmt::format("{}allowlist.", where), whole_match, out, nullptr);
      else error(node, fmt::format("{}allowlist", where), "must be a table");
    }
    if (const toml::node* node = rule.get("allowlists")) {
      const toml::array* array = node->as_array();
      if (!array || !array->is_array_of_tables()) {
        error(node, fmt::format("{}allowlists", where), "must be an array of tables ([[rules.allowlists]])");
        return;
      }
      for (size_t i = 0; i < array->size(); ++i)
        read_allowlist(*array->get(i)->as_table(), fmt::format("{}allowlists[{}].", where, i), whole_match, out, nullptr);
    }
  }

  struct Rule {
    std::string id;
    std::string original_id;
    MappedAllowlist saved;  // before the current global allowlist
    toml::table table;
    MappedAllowlist allowlist;
    bool whole_match = true;
  };

  std::optional<Rule> read_rule(const toml::table& table, size_t index) {
    std::string where = fmt::format("rules[{}].", index);
    check_keys(table, {"id", "description", "regex", "secretGroup", "entropy", "keywords", "path", "tags",
                       "allowlist", "allowlists"},
               where);
    auto id = string(table, "id", where);
    if (!id || id->empty() || id->find_first_of(" \t\n,") != std::string::npos) {
      error(&table, where + "id", "every rule needs an id without spaces or commas");
      return std::nullopt;
    }
    where = fmt::format("rules[{}] '{}'.", index, *id);
    Rule rule;
    rule.id = "gitleaks." + *id;
    rule.original_id = *id;
    auto regex = string(table, "regex", where);
    auto path = string(table, "path", where);
    if (!regex && !path) {
      error(&table, where + "regex", "a gitleaks rule needs a regex or a path");
      return std::nullopt;
    }
    toml::table detector;
    int groups = 0;
    if (regex) {
      if (!regex_ok(table.get("regex"), where + "regex", *regex)) return std::nullopt;
      groups = RE2(*regex).NumberOfCapturingGroups();
      detector.insert("type", "regex");
      detector.insert("pattern", *regex);
      // gitleaks reports the whole match unless secretGroup names a group.
      int64_t group = 0;
      if (const toml::node* node = table.get("secretGroup")) {
        auto value = node->is_integer() ? node->value<int64_t>() : std::nullopt;
        if (!value || *value < 0 || *value > groups) {
          error(node, where + "secretGroup", fmt::format("must be an integer from 0 to the regex's {} groups", groups));
          return std::nullopt;
        }
        group = *value;
      }
      detector.insert("secret_group", group);
      rule.whole_match = group == 0;
      if (const toml::node* node = table.get("entropy")) {
        auto value = node->value<double>();
        if (!value || *value < 0 || *value > 8) {
          error(node, where + "entropy", "must be a number from 0 to 8");
          return std::nullopt;
        }
        detector.insert("min_entropy", *value);
      }
      auto keywords = strings(table, "keywords", where);
      keywords.erase(std::remove(keywords.begin(), keywords.end(), std::string()), keywords.end());
      if (!keywords.empty()) {
        toml::array array;
        for (const auto& keyword : keywords) array.push_back(keyword);
        detector.insert("keywords", std::move(array));
      }
      if (path) {
        if (!regex_ok(table.get("path"), where + "path", *path)) return std::nullopt;
        detector.insert("path_pattern", *path);
      }
    } else {
      if (!regex_ok(table.get("path"), where + "path", *path)) return std::nullopt;
      for (std::string_view key : {"secretGroup", "entropy", "keywords"})
        if (const toml::node* node = table.get(key))
          error(node, fmt::format("{}{}", where, key), "has no meaning on a rule without a regex");
      detector.insert("type", "path");
      detector.insert("patterns", toml::array{*path});
    }
    read_rule_allowlists(table, where, rule.whole_match, rule.allowlist);
    rule.saved = rule.allowlist;
    std::string description = string(table, "description", where).value_or("gitleaks rule " + *id);
    rule.table.insert("id", rule.id);
    rule.table.insert("description", description);
    rule.table.insert("action", "block");
    rule.table.insert("remedy", fmt::format("Remove the secret from the file and rotate it (rule '{}' imported from {}), "
                                            "and rewrite the commit (git commit --amend or git rebase -i) before pushing again.",
                                            *id, source_));
    rule.table.insert("detector", std::move(detector));
    return rule;
  }

  Expected<std::shared_ptr<toml::table>> convert(const toml::table& root) {
    check_keys(root, {"title", "description", "extend", "rules", "allowlist", "allowlists", "minVersion"}, "");
    if (const toml::table* extend = root["extend"].as_table()) {
      for (const auto& [key, node] : *extend) {
        if (key.str() == "useDefault") continue;  // refguard's built-in rules stand for gitleaks' defaults
        error(&node, fmt::format("extend.{}", key.str()),
              key.str() == "path" ? "chained gitleaks configs are not followed: import each file"
                                  : "names gitleaks' default rules, which refguard does not have by those ids");
      }
    }
    std::vector<Rule> rules;
    if (const toml::node* node = root.get("rules")) {
      const toml::array* array = node->as_array();
      if (!array || !array->is_array_of_tables()) error(node, "rules", "must be an array of tables ([[rules]])");
      else
        for (size_t i = 0; i < array->size(); ++i)
          if (auto rule = read_rule(*array->get(i)->as_table(), i)) rules.push_back(std::move(*rule));
    }
    read_global_allowlists(root, rules);
    if (!errors_.empty()) return fail(fmt::format("{}", fmt::join(errors_, "\n")));
    toml::array out;
    for (auto& rule : rules) {
      finish(rule);
      out.push_back(std::move(rule.table));
    }
    auto document = std::make_shared<toml::table>();
    document->insert("rule", std::move(out));
    return document;
  }

 private:
  // The global allowlists apply to every imported rule, or to targetRules.
  void read_global_allowlists(const toml::table& root, std::vector<Rule>& rules) {
    auto apply = [&](const toml::table& table, const std::string& where, bool has_targets) {
      std::vector<std::string> targets;
      bool first = true;
      for (auto& rule : rules) {
        std::vector<std::string> read_targets;
        size_t before = errors_.size();
        read_allowlist(table, where, rule.whole_match, rule.allowlist, has_targets ? &read_targets : nullptr);
        if (!first) errors_.resize(before);  // reported once, for the first rule
        first = false;
        targets = read_targets;
        if (!targets.empty() && std::find(targets.begin(), targets.end(), rule.original_id) == targets.end())
          rule.allowlist = rule.saved;  // not a target: undo
        rule.saved = rule.allowlist;
      }
    };
    if (const toml::node* node = root.get("allowlist")) {
      if (const toml::table* table = node->as_table()) apply(*table, "allowlist.", false);
      else error(node, "allowlist", "must be a table");
    }
    if (const toml::node* node = root.get("allowlists")) {
      const toml::array* array = node->as_array();
      if (!array || !array->is_array_of_tables()) {
        error(node, "allowlists", "must be an array of tables ([[allowlists]])");
        return;
      }
      for (size_t i = 0; i < array->size(); ++i)
        apply(*array->get(i)->as_table(), fmt::format("allowlists[{}].", i), true);
    }
  }

  static void finish(Rule& rule) {
    const MappedAllowlist& a = rule.allowlist;
    auto to_array = [](const std::vector<std::string>& values) {
      toml::array array;
      for (const auto& value : values) array.push_back(value);
      return array;
    };
    toml::table allowlist;
    if (!a.regexes.empty()) allowlist.insert("regexes", to_array(a.regexes));
    if (!a.stopwords.empty()) allowlist.insert("stopwords", to_array(a.stopwords));
    if (!a.path_regexes.empty()) allowlist.insert("path_regexes", to_array(a.path_regexes));
    if (!a.commits.empty()) allowlist.insert("commits", to_array(a.commits));
    if (!allowlist.empty()) rule.table.insert("allowlist", std::move(allowlist));
    if (!a.line_regexes.empty()) {
      std::string unless;
      for (const auto& pattern : a.line_regexes) unless += (unless.empty() ? "" : "|") + ("(?:" + pattern + ")");
      if (toml::table* detector = rule.table["detector"].as_table(); detector && (*detector)["type"] == "regex")
        detector->insert("unless", unless);
    }
  }

};

}  // namespace

Expected<std::shared_ptr<toml::table>> import_gitleaks_text(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    return fail(fmt::format("{}:{}:{}: invalid TOML: {}", source, error.source().begin.line, error.source().begin.column,
                            error.description()));
  }
  GitleaksReader reader(source);
  return reader.convert(root);
}

Expected<std::shared_ptr<toml::table>> import_gitleaks(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(fmt::format("{}: cannot read the gitleaks config", path));
  std::string text(kMaxGitleaksConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxGitleaksConfigBytes)
    return fail(fmt::format("{}: larger than {} bytes: not a gitleaks config refguard reads", path, kMaxGitleaksConfigBytes));
  return import_gitleaks_text(text, path);
}

}  // namespace refguard::policy
