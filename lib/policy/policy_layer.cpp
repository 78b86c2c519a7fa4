#include "policy/policy_layer.h"

#include "policy/gitleaks_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace refguard::policy {

namespace {

// Collects errors with positions; one per problem, all reported at once.
class LayerReader {
 public:
  LayerReader(std::string source, LayerKind kind, std::shared_ptr<const toml::table> document)
      : source_(std::move(source)), kind_(kind), document_(std::move(document)) {}

  void error(const toml::node* at, std::string_view key, std::string_view why) {
    uint32_t line = at ? at->source().begin.line : 0;
    errors_.push_back(line ? fmt::format("{}:{}: {}: {}", source_, line, key, why)
                           : fmt::format("{}: {}: {}", source_, key, why));
  }

  void check_keys(const toml::table& table, std::initializer_list<std::string_view> known, std::string_view where) {
    for (const auto& [key, node] : table)
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        error(&node, fmt::format("{}{}", where, key.str()), "unknown key");
  }

  std::optional<std::string> string(const toml::table& table, std::string_view key, std::string_view where) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value<std::string>()) return *value;
    error(node, fmt::format("{}{}", where, key), "must be a string");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> strings(const toml::table& table, std::string_view key,
                                                  std::string_view where) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    std::vector<std::string> out;
    const toml::array* array = node->as_array();
    bool ok = array != nullptr;
    if (array)
      for (const auto& element : *array) {
        if (auto value = element.value<std::string>()) out.push_back(*value);
        else ok = false;
      }
    if (!ok) {
      error(node, fmt::format("{}{}", where, key), "must be an array of strings");
      return std::nullopt;
    }
    return out;
  }

  std::optional<bool> boolean(const toml::table& table, std::string_view key, std::string_view where) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (auto value = node->value<bool>()) return *value;
    error(node, fmt::format("{}{}", where, key), "must be true or false");
    return std::nullopt;
  }

  std::optional<int64_t> integer(const toml::table& table, std::string_view key, std::string_view where,
                                 int64_t min, int64_t max) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    auto value = node->is_integer() ? node->value<int64_t>() : std::nullopt;
    if (!value || *value < min || *value > max) {
      error(node, fmt::format("{}{}", where, key), fmt::format("must be an integer from {} to {}", min, max));
      return std::nullopt;
    }
    return value;
  }

  void read_settings(const toml::table& table, Settings& settings);
  void read_ai(const toml::table& table, PolicySpec& spec);
  void read_rule(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here);
  void merge_rule(const toml::table& table, RuleSpec& rule, bool is_new);
  void check_locked_override(const toml::table& table, const RuleSpec& rule);
  void read_allowlist(const toml::table& table, AllowlistSpec& allowlist, std::string_view where);
  void read_ref_rule(const toml::table& table, PolicySpec& spec);
  void read_import(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here);

  const std::string& source() const { return source_; }
  LayerKind kind() const { return kind_; }
  Expected<void> result() const {
    if (errors_.empty()) return {};
    return fail(fmt::format("{}", fmt::join(errors_, "\n")));
  }

 private:
  std::string source_;
  LayerKind kind_;
  std::shared_ptr<const toml::table> document_;
  std::vector<std::string> errors_;
};

void LayerReader::read_settings(const toml::table& table, Settings& settings) {
  check_keys(table,
             {"time_budget_ms", "on_timeout", "policy_editors", "bypass_users", "max_findings_shown", "notes_ref",
              "contact", "progress_interval_ms"},
             "settings.");
  if (auto v = integer(table, "time_budget_ms", "settings.", 1, 600000)) settings.time_budget_ms = static_cast<int>(*v);
  if (auto v = string(table, "on_timeout", "settings.")) {
    if (*v == "reject") settings.on_timeout = TimeoutVerdict::kReject;
    else if (*v == "accept") settings.on_timeout = TimeoutVerdict::kAccept;
    else error(table.get("on_timeout"), "settings.on_timeout", "must be \"reject\" or \"accept\"");
  }
  if (auto v = strings(table, "policy_editors", "settings.")) settings.policy_editors = *v;
  if (auto v = strings(table, "bypass_users", "settings.")) {
    if (kind_ == LayerKind::kRepository) settings.repository_bypass_users = *v;
    else settings.bypass_users = *v;
  }
  // Timeouts trade safety for availability: the server's call, not a repository's.
  if (kind_ == LayerKind::kRepository)
    for (std::string_view key : {"on_timeout", "time_budget_ms"})
      if (const toml::node* node = table.get(key))
        error(node, fmt::format("settings.{}", key), "only the system policy may set it");
  if (auto v = string(table, "contact", "settings.")) settings.contact = *v;
  if (auto v = integer(table, "max_findings_shown", "settings.", 1, 1000)) settings.max_findings_shown = static_cast<size_t>(*v);
  // Below 100 ms a pusher's terminal would scroll: a few lines a second at most.
  if (auto v = integer(table, "progress_interval_ms", "settings.", 100, 60000))
    settings.progress_interval_ms = static_cast<int>(*v);
  if (auto v = string(table, "notes_ref", "settings.")) {
    if (v->rfind("refs/notes/", 0) == 0 && v->size() > 11) settings.notes_ref = *v;
    else error(table.get("notes_ref"), "settings.notes_ref", "must start with refs/notes/");
  }
}

void LayerReader::read_ai(const toml::table& table, PolicySpec& spec) {
  check_keys(table, {"paths", "sdks"}, "ai.");
  if (auto v = strings(table, "paths", "ai.")) spec.ai_paths.insert(spec.ai_paths.end(), v->begin(), v->end());
  if (auto v = strings(table, "sdks", "ai.")) spec.ai_sdks.insert(spec.ai_sdks.end(), v->begin(), v->end());
}

void LayerReader::read_allowlist(const toml::table& table, AllowlistSpec& allowlist, std::string_view where) {
  check_keys(table, {"paths", "regexes", "stopwords", "commits", "values", "path_regexes"}, where);
  auto append = [](std::vector<std::string>& to, const std::optional<std::vector<std::string>>& from) {
    if (from) to.insert(to.end(), from->begin(), from->end());
  };
  append(allowlist.paths, strings(table, "paths", where));
  append(allowlist.regexes, strings(table, "regexes", where));
  append(allowlist.stopwords, strings(table, "stopwords", where));
  append(allowlist.commits, strings(table, "commits", where));
  append(allowlist.values, strings(table, "values", where));
  append(allowlist.path_regexes, strings(table, "path_regexes", where));
}

void LayerReader::read_ref_rule(const toml::table& table, PolicySpec& spec) {
  check_keys(table, {"refs", "forbid", "message"}, "ref_rule.");
  RefRuleSpec rule;
  rule.origin = Origin{source_, table.source().begin.line};
  auto refs = strings(table, "refs", "ref_rule.");
  if (!refs || refs->empty()) error(&table, "ref_rule.refs", "is required: ref name globs such as \"refs/heads/main\"");
  else rule.refs = *refs;
  if (auto forbid = strings(table, "forbid", "ref_rule.")) {
    for (const auto& what : *forbid) {
      if (what == "force-push") rule.forbid_force_push = true;
      else if (what == "delete") rule.forbid_delete = true;
      else error(table.get("forbid"), "ref_rule.forbid", fmt::format("unknown '{}' (use \"force-push\" or \"delete\")", what));
    }
  } else {
    error(&table, "ref_rule.forbid", "is required: [\"force-push\", \"delete\"]");
  }
  if (auto message = string(table, "message", "ref_rule.")) rule.message = *message;
  spec.ref_rules.push_back(std::move(rule));
}

// [import] gitleaks = "PATH": an admin's gitleaks rules, mapped onto refguard
// rules (policy/gitleaks_import.h). A path on the server's disk, so only the
// system policy may name one; relative paths are relative to this file.
void LayerReader::read_import(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here) {
  check_keys(table, {"gitleaks"}, "import.");
  auto path = string(table, "gitleaks", "import.");
  if (!path) return;
  if (kind_ == LayerKind::kRepository) {
    error(table.get("gitleaks"), "import.gitleaks", "only the system policy may import files (it names a path on the server)");
    return;
  }
  std::filesystem::path file(*path);
  if (file.is_relative() && source_.find('/') != std::string::npos)
    file = std::filesystem::path(source_).parent_path() / file;
  auto imported = import_gitleaks(file.string());
  if (!imported) {
    errors_.push_back(fmt::format("{}:{}: import.gitleaks: cannot import:\n{}", source_,
                                  table.get("gitleaks")->source().begin.line, imported.error().message));
    return;
  }
  LayerReader reader(file.string(), kind_, *imported);
  for (const auto& element : *(**imported)["rule"].as_array()) reader.read_rule(*element.as_table(), spec, locked_here);
  if (auto result = reader.result(); !result) errors_.push_back(result.error().message);
}

// A repository layer may strengthen a locked rule (e.g. warn -> block) but not weaken it.
void LayerReader::check_locked_override(const toml::table& table, const RuleSpec& rule) {
  std::string where = fmt::format("rule '{}'", rule.id);
  std::string why = fmt::format("is locked by {}; a repository policy may not weaken it",
                                rule.locked_by.empty() ? rule.origin.text() : rule.locked_by);
  if (auto action_text = table.get("action"))
    if (auto action = parse_action(action_text->value_or(std::string())); action && strength(*action) < strength(rule.action))
      error(action_text, where + ".action", why);
  for (std::string_view key : {"detector", "allowlist", "paths", "ai_only", "bypass_users", "allow_bypass", "locked"})
    if (const toml::node* node = table.get(key)) error(node, fmt::format("{}.{}", where, key), why);
}

void LayerReader::merge_rule(const toml::table& table, RuleSpec& rule, bool is_new) {
  std::string where = fmt::format("rule '{}'.", rule.id);
  if (auto v = string(table, "description", where)) rule.description = *v;
  if (auto v = string(table, "remedy", where)) rule.remedy = *v;
  if (const toml::node* node = table.get("action")) {
    auto action = parse_action(node->value_or(std::string()));
    if (action) rule.action = *action;
    else error(node, where + "action", "must be \"block\", \"warn\" or \"off\"");
  }
  if (auto v = strings(table, "paths", where)) rule.paths = *v;
  if (auto v = boolean(table, "ai_only", where)) rule.ai_only = *v;
  if (auto v = strings(table, "bypass_users", where)) rule.bypass_users = *v;
  if (auto v = boolean(table, "allow_bypass", where)) rule.allow_bypass = *v;
  if (auto v = boolean(table, "locked", where)) {
    if (*v && kind_ == LayerKind::kRepository) error(table.get("locked"), where + "locked", "only the system policy may lock rules");
    else if ((rule.locked = *v)) rule.locked_by = source_;
  }
  if (const toml::node* node = table.get("detector")) {
    if (const toml::table* detector = node->as_table()) {
      if (!detector->get("type")) error(node, where + "detector.type", "is required");
      rule.detector = detector;
      rule.detector_doc = document_;
      rule.detector_file = source_;
    } else {
      error(node, where + "detector", "must be a table ([rule.detector])");
    }
  } else if (is_new) {
    error(&table, where + "detector", "a new rule needs a [rule.detector] table");
  }
  if (const toml::node* node = table.get("allowlist")) {
    if (const toml::table* allowlist = node->as_table()) read_allowlist(*allowlist, rule.allowlist, where + "allowlist.");
    else error(node, where + "allowlist", "must be a table ([rule.allowlist])");
  }
}

void LayerReader::read_rule(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here) {
  check_keys(table,
             {"id", "description", "action", "remedy", "paths", "ai_only", "detector", "allowlist", "bypass_users",
              "allow_bypass", "locked"},
             "rule.");
  auto id = string(table, "id", "rule.");
  if (!id || id->empty() || id->find_first_of(" \t\n,") != std::string::npos) {
    error(&table, "rule.id", "every rule needs an id without spaces or commas");
    return;
  }
  auto existing = std::find_if(spec.rules.begin(), spec.rules.end(), [&](const RuleSpec& r) { return r.id == *id; });
  bool is_new = existing == spec.rules.end();
  if (!is_new && existing->locked && kind_ == LayerKind::kRepository) check_locked_override(table, *existing);
  RuleSpec& rule = is_new ? spec.rules.emplace_back() : *existing;
  rule.id = *id;
  merge_rule(table, rule, is_new);
  if (is_new || table.get("detector")) rule.origin = Origin{source_, table.source().begin.line};
  if (locked_here.contains(*id)) {
    rule.locked = true;
    rule.locked_by = source_;
  }
}

}  // namespace

Expected<void> apply_layer(PolicySpec& spec, std::string_view text, const std::string& source, LayerKind kind) {
  std::shared_ptr<toml::table> document;
  try {
    document = std::make_shared<toml::table>(toml::parse(text, source));
  } catch (const toml::parse_error& error) {
    return fail(fmt::format("{}:{}:{}: invalid TOML: {}", source, error.source().begin.line,
                            error.source().begin.column, error.description()));
  }
  const toml::table& root = *document;
  LayerReader reader(source, kind, document);
  reader.check_keys(root, {"version", "settings", "ai", "rule", "ref_rule", "locked", "import"}, "");
  if (const toml::node* version = root.get("version"); version && version->value<int64_t>() != 1)
    reader.error(version, "version", "this refguard reads policy version 1");
  if (const toml::table* settings = root["settings"].as_table()) reader.read_settings(*settings, spec.settings);
  if (const toml::table* ai = root["ai"].as_table()) reader.read_ai(*ai, spec);
  std::set<std::string> locked_here;
  if (const toml::node* locked = root.get("locked")) {
    if (kind == LayerKind::kRepository) reader.error(locked, "locked", "only the system policy may lock rules");
    else if (auto ids = reader.strings(root, "locked", "")) locked_here.insert(ids->begin(), ids->end());
  }
  if (const toml::node* rules = root.get("rule")) {
    if (const toml::array* array = rules->as_array(); array && array->is_array_of_tables()) {
      for (const auto& element : *array) reader.read_rule(*element.as_table(), spec, locked_here);
    } else {
      reader.error(rules, "rule", "must be an array of tables ([[rule]])");
    }
  }
  if (const toml::node* import = root.get("import")) {
    if (const toml::table* table = import->as_table()) reader.read_import(*table, spec, locked_here);
    else reader.error(import, "import", "must be a table ([import])");
  }
  if (const toml::node* ref_rules = root.get("ref_rule")) {
    if (const toml::array* array = ref_rules->as_array(); array && array->is_array_of_tables()) {
      for (const auto& element : *array) reader.read_ref_rule(*element.as_table(), spec);
    } else {
      reader.error(ref_rules, "ref_rule", "must be an array of tables ([[ref_rule]])");
    }
  }
  for (auto& rule : spec.rules)
    if (locked_here.contains(rule.id)) {
      rule.locked = true;
      rule.locked_by = source;
    }
  for (const auto& id : locked_here)
    if (std::none_of(spec.rules.begin(), spec.rules.end(), [&](const RuleSpec& r) { return r.id == id; }))
      reader.error(root.get("locked"), "locked", fmt::format("no rule has the id '{}'", id));
  spec.sources.push_back(source);
  return reader.result();
}

}  // namespace refguard::policy
