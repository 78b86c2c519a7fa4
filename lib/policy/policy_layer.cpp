#include "policy/policy_layer.h"
#include "policy/toml_reader.h"

#include "policy/gitleaks_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <span>

#include "util/nesting_depth.h"

namespace refguard::policy {

namespace {

// Every key each part of a policy file knows: unknown keys are reported with
// where they belong (a key placed after a [table] header lands in that table)
// or the nearest known key (a typo).
struct Section {
  std::string_view name;   // as errors print it: "", "settings.", "ai.", "rule.", ...
  std::string_view place;  // where its keys go, in words
  std::span<const std::string_view> keys;
};
constexpr std::string_view kRootKeys[] = {"version", "settings", "ai", "rule", "ref_rule", "locked", "import"};
constexpr std::string_view kSettingsKeys[] = {
    "time_budget_ms", "on_timeout", "policy_editors", "bypass_users", "max_findings_shown", "notes_ref", "contact",
    "progress_interval_ms", "max_push_commits", "max_push_mib", "scan_window_mib", "import_users", "import_time_budget_ms",
    "import_max_push_commits", "import_max_push_mib"};
constexpr std::string_view kAiKeys[] = {"paths", "sdks"};
constexpr std::string_view kRuleKeys[] = {"id",       "description",  "action",       "remedy",
                                                               "paths",    "ai_only",      "detector",     "allowlist",
                                                               "bypass_users", "allow_bypass", "locked"};
constexpr std::string_view kAllowlistKeys[] = {"paths", "regexes", "stopwords", "commits", "values", "path_regexes"};
constexpr std::string_view kRefRuleKeys[] = {"refs", "forbid", "message"};

const std::vector<Section>& sections() {
  static const std::vector<Section> all = {
      {"", "at the top level of the file, before the first [table] header", kRootKeys},
      {"settings.", "in [settings]", kSettingsKeys},
      {"ai.", "in [ai]", kAiKeys},
      {"rule.", "in a [[rule]]", kRuleKeys},
      {"ref_rule.", "in a [[ref_rule]]", kRefRuleKeys},
  };
  return all;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "unknown key; did you mean 'contact'?" or "unknown key: `locked` belongs at the top level ...".
std::string unknown_key_reason(std::string_view key, std::span<const std::string_view> known,
                               std::string_view where) {
  for (const auto& section : sections())
    if (section.name != where && !where.ends_with("allowlist.") &&
        std::find(section.keys.begin(), section.keys.end(), key) != section.keys.end())
      return fmt::format("unknown key here: `{}` belongs {}", key, section.place);
  std::string_view best;
  size_t best_distance = std::max<size_t>(2, key.size() / 4) + 1;
  for (std::string_view candidate : known)
    if (size_t d = edit_distance(key, candidate); d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  if (!best.empty()) return fmt::format("unknown key; did you mean '{}'?", best);
  return fmt::format("unknown key (known: {})", fmt::join(known, ", "));
}

// Collects errors with positions; one per problem, all reported at once.
class LayerReader : public TomlReader {
 public:
  LayerReader(std::string source, LayerKind kind, std::shared_ptr<const toml::table> document)
      : TomlReader(std::move(source)), kind_(kind), document_(std::move(document)) {}

  void check_keys(const toml::table& table, std::span<const std::string_view> known, std::string_view where) {
    for (const auto& [key, node] : table)
      if (std::find(known.begin(), known.end(), key.str()) == known.end())
        error(&node, fmt::format("{}{}", where, key.str()), unknown_key_reason(key.str(), known, where));
  }

  Origin origin_of(const toml::node* node) const { return Origin{source_, node ? node->source().begin.line : 0}; }

  // Remembers where each key present in `table` was set, under `prefix`.
  void note_origins(const toml::table& table, std::string_view prefix, std::map<std::string, Origin>& origins) const {
    for (const auto& [key, node] : table) origins[fmt::format("{}{}", prefix, key.str())] = origin_of(&node);
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
  void read_push_limits(const toml::table& table, Settings& settings);
  void read_ai(const toml::table& table, PolicySpec& spec);
  void read_rule(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here);
  void merge_rule(const toml::table& table, RuleSpec& rule, bool is_new);
  void check_locked_override(const toml::table& table, const RuleSpec& rule);
  void read_allowlist(const toml::table& table, AllowlistSpec& allowlist, std::string_view where);
  void read_ref_rule(const toml::table& table, PolicySpec& spec);
  void read_import(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here);

  LayerKind kind() const { return kind_; }
  bool for_repository() const { return kind_ == LayerKind::kRepository || kind_ == LayerKind::kCommitted; }
  /// A committed layer with no policy editors named before it (LayerKind).
  void set_tighten_only(bool value) { tighten_only_ = value; }
  Expected<void> result() const {
    if (errors_.empty()) return {};
    return fail(fmt::format("{}", fmt::join(errors_, "\n")));
  }

 private:
  LayerKind kind_;
  bool tighten_only_ = false;
  std::shared_ptr<const toml::table> document_;
};

void LayerReader::read_push_limits(const toml::table& table, Settings& settings) {
  if (auto v = integer(table, "max_push_commits", "settings.", 1, 100000000)) settings.max_push_commits = static_cast<size_t>(*v);
  if (auto v = integer(table, "max_push_mib", "settings.", 1, 1 << 20)) settings.max_push_mib = static_cast<uint64_t>(*v);
  if (auto v = integer(table, "scan_window_mib", "settings.", 1, 1 << 16))
    settings.scan_window_mib = static_cast<uint64_t>(*v);
  if (auto v = strings(table, "import_users", "settings.")) settings.import_users = *v;
  // Up to a day: an import of a very large history on a small server.
  if (auto v = integer(table, "import_time_budget_ms", "settings.", 1, 86400000))
    settings.import_time_budget_ms = static_cast<int>(*v);
  if (auto v = integer(table, "import_max_push_commits", "settings.", 1, 1000000000))
    settings.import_max_push_commits = static_cast<size_t>(*v);
  if (auto v = integer(table, "import_max_push_mib", "settings.", 1, 1 << 24))
    settings.import_max_push_mib = static_cast<uint64_t>(*v);
}

void LayerReader::read_settings(const toml::table& table, Settings& settings) {
  check_keys(table, kSettingsKeys, "settings.");
  for (const auto& [key, node] : table)
    settings.value_origins[for_repository() && key.str() == "bypass_users" ? "repository_bypass_users"
                                                                                           : std::string(key.str())] =
        origin_of(&node);
  if (auto v = integer(table, "time_budget_ms", "settings.", 1, 600000)) settings.time_budget_ms = static_cast<int>(*v);
  if (auto v = string(table, "on_timeout", "settings.")) {
    if (*v == "reject") settings.on_timeout = TimeoutVerdict::kReject;
    else if (*v == "accept") settings.on_timeout = TimeoutVerdict::kAccept;
    else error(table.get("on_timeout"), "settings.on_timeout", "must be \"reject\" or \"accept\"");
  }
  if (auto v = strings(table, "policy_editors", "settings.")) settings.policy_editors = *v;
  if (tighten_only_)
    if (const toml::node* node = table.get("bypass_users"))
      error(node, "settings.bypass_users",
            "a committed .refguard.toml may not name bypass users while no policy editors are named");
  if (auto v = strings(table, "bypass_users", "settings.")) {
    if (for_repository()) settings.repository_bypass_users = *v;
    else settings.bypass_users = *v;
  }
  read_push_limits(table, settings);
  // Timeouts and limits trade safety for availability: the server's call, not a repository's.
  if (for_repository())
    for (std::string_view key : {"on_timeout", "time_budget_ms", "max_push_commits", "max_push_mib", "scan_window_mib",
                                 "import_users", "import_time_budget_ms", "import_max_push_commits",
                                 "import_max_push_mib"})
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
  check_keys(table, kAiKeys, "ai.");
  note_origins(table, "ai.", spec.value_origins);
  if (auto v = strings(table, "paths", "ai.")) spec.ai_paths.insert(spec.ai_paths.end(), v->begin(), v->end());
  if (auto v = strings(table, "sdks", "ai.")) spec.ai_sdks.insert(spec.ai_sdks.end(), v->begin(), v->end());
}

void LayerReader::read_allowlist(const toml::table& table, AllowlistSpec& allowlist, std::string_view where) {
  check_keys(table, kAllowlistKeys, where);
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
  check_keys(table, kRefRuleKeys, "ref_rule.");
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
  static constexpr std::string_view kImportKeys[] = {"gitleaks"};
  check_keys(table, kImportKeys, "import.");
  auto path = string(table, "gitleaks", "import.");
  if (!path) return;
  if (for_repository()) {
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

// A repository layer may strengthen a locked rule (e.g. warn -> block) but not
// weaken it; a tighten-only committed layer treats every rule so.
void LayerReader::check_locked_override(const toml::table& table, const RuleSpec& rule) {
  std::string where = fmt::format("rule '{}'", rule.id);
  std::string why =
      rule.locked ? fmt::format("is locked by {}; a repository policy may not weaken it",
                                rule.locked_by.empty() ? rule.origin.text() : rule.locked_by)
                  : std::string("may only be tightened by a committed .refguard.toml while no policy editors are "
                                "named (a server admin sets [settings] policy_editors in the system policy or the "
                                "repository's refguard.toml; then those editors may change rules)");
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
    if (*v && for_repository()) error(table.get("locked"), where + "locked", "only the system policy may lock rules");
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
  note_origins(table, "", rule.value_origins);
  if (const toml::node* node = table.get("allowlist")) {
    if (const toml::table* allowlist = node->as_table()) {
      read_allowlist(*allowlist, rule.allowlist, where + "allowlist.");
      note_origins(*allowlist, "allowlist.", rule.value_origins);
    }
    else error(node, where + "allowlist", "must be a table ([rule.allowlist])");
  }
}

void LayerReader::read_rule(const toml::table& table, PolicySpec& spec, const std::set<std::string>& locked_here) {
  check_keys(table, kRuleKeys, "rule.");
  auto id = string(table, "id", "rule.");
  if (!id || id->empty() || id->find_first_of(" \t\n,") != std::string::npos) {
    error(&table, "rule.id", "every rule needs an id without spaces or commas");
    return;
  }
  auto existing = std::find_if(spec.rules.begin(), spec.rules.end(), [&](const RuleSpec& r) { return r.id == *id; });
  bool is_new = existing == spec.rules.end();
  if (!is_new && (existing->locked || tighten_only_) && for_repository()) check_locked_override(table, *existing);
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
  // toml++ bounds arrays and inline tables (TOML_MAX_NESTED_VALUES), not
  // dotted keys: "[a.a.a...]" builds one table per part, and freeing the tree
  // recurses once per level. A policy needs four.
  constexpr size_t kMaxTomlDepth = 64;
  if (toml_nesting_depth(text, kMaxTomlDepth) > kMaxTomlDepth)
    return fail(fmt::format("{}: refused: nests tables or arrays deeper than {} levels", source, kMaxTomlDepth));
  std::shared_ptr<toml::table> document;
  try {
    document = std::make_shared<toml::table>(toml::parse(text, source));
  } catch (const toml::parse_error& error) {
    return fail(fmt::format("{}:{}:{}: invalid TOML: {}", source, error.source().begin.line,
                            error.source().begin.column, error.description()));
  }
  const toml::table& root = *document;
  LayerReader reader(source, kind, document);
  reader.set_tighten_only(kind == LayerKind::kCommitted && spec.settings.policy_editors.empty());
  reader.check_keys(root, kRootKeys, "");
  if (const toml::node* version = root.get("version"); version && version->value<int64_t>() != 1)
    reader.error(version, "version", "this refguard reads policy version 1");
  if (const toml::table* settings = root["settings"].as_table()) reader.read_settings(*settings, spec.settings);
  if (const toml::table* ai = root["ai"].as_table()) reader.read_ai(*ai, spec);
  std::set<std::string> locked_here;
  if (const toml::node* locked = root.get("locked")) {
    if (kind == LayerKind::kRepository || kind == LayerKind::kCommitted) reader.error(locked, "locked", "only the system policy may lock rules");
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
      rule.value_origins["locked"] = Origin{source, root.get("locked")->source().begin.line};
    }
  for (const auto& id : locked_here)
    if (std::none_of(spec.rules.begin(), spec.rules.end(), [&](const RuleSpec& r) { return r.id == id; }))
      reader.error(root.get("locked"), "locked", fmt::format("no rule has the id '{}'", id));
  spec.sources.push_back(source);
  return reader.result();
}

}  // namespace refguard::policy
