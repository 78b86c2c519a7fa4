// `refguard scan --repo DIR [RANGE]`: the push check's engine over a range or a
// whole history, offline (CI, first-time adoption). Exit 1 when something blocks.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>

#include "cli/commands.h"
#include "cli/scan_output.h"
#include "engine/finding_ignore.h"
#include "engine/policy_store.h"
#include "engine/push_scan.h"
#include "engine/push_target.h"
#include "git/default_branch.h"
#include "git/object_reader.h"
#include "git/push_reader.h"
#include "util/log.h"

namespace refguard::cli {

namespace {

struct ScanOptions {
  std::string repo = ".";
  std::string range;
  std::string format = "text";
  std::string baseline;
  std::string config;
  std::string output;
  std::vector<std::string> ignore_files;
};

// The invocation as SARIF's `invocations` records it.
std::vector<std::string> command_line(const ScanOptions& o) {
  std::vector<std::string> args = {"refguard", "scan", "--repo", o.repo, "--format", o.format};
  if (!o.baseline.empty()) args.insert(args.end(), {"--baseline", o.baseline});
  if (!o.config.empty()) args.insert(args.end(), {"--config", o.config});
  for (const auto& file : o.ignore_files) args.insert(args.end(), {"--ignore-file", file});
  if (!o.output.empty()) args.insert(args.end(), {"--output", o.output});
  if (!o.range.empty()) args.push_back(o.range);
  return args;
}

// Known, accepted findings (engine/finding_ignore.h): the repository's ignore
// files and any --ignore-file. nullopt on success, else the exit code.
std::optional<int> drop_ignored_findings(const ScanOptions& options, const git::CachedRepository& repository,
                                         const engine::CompiledPolicy& policy, std::vector<engine::Finding>& findings,
                                         ScanReport& report) {
  engine::IgnoreList ignore = engine::load_repository_ignore_list(repository.repository.get(), repository.path);
  for (const auto& file : options.ignore_files)
    if (auto read = engine::read_ignore_file(file, ignore); !read) {
      std::fprintf(stderr, "refguard scan: %s\n", read.error().message.c_str());
      return 2;
    }
  for (const auto& problem : ignore.problems) std::fprintf(stderr, "warning: %s\n", problem.c_str());
  auto dropped = engine::drop_ignored(policy, ignore, findings);
  for (const auto& note : dropped.notes) std::fprintf(stderr, "warning: %s\n", note.c_str());
  report.ignored = dropped.ignored;
  report.ignore_files = ignore.sources;
  return std::nullopt;
}

Expected<std::set<std::string>> read_baseline(const std::string& path) {
  std::set<std::string> ids;
  if (path.empty()) return ids;
  std::ifstream in(path);
  if (!in) return fail("cannot read baseline " + path);
  auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded()) return fail("baseline " + path + " is not JSON (use the output of --format json)");
  const auto& list = json.is_object() && json.contains("findings") ? json["findings"] : json;
  if (!list.is_array()) return fail("baseline " + path + " has no findings list");
  for (const auto& finding : list)
    if (finding.is_object() && finding.contains("id") && finding["id"].is_string()) ids.insert(finding["id"]);
  return ids;
}

int run_scan(const ScanOptions& options) {
  std::string started = utc_now_iso8601();
  auto baseline = read_baseline(options.baseline);
  if (!baseline) {
    std::fprintf(stderr, "refguard scan: %s\n", baseline.error().message.c_str());
    return 2;
  }
  bool explicit_config = !options.config.empty();
  engine::PolicyStore store(explicit_config ? options.config : engine::kDefaultSystemPolicy, explicit_config);
  if (auto loaded = store.reload(); !loaded) {
    std::fprintf(stderr, "refguard scan: %s\n", loaded.error().message.c_str());
    return 2;
  }
  auto repository = git::open_repository(options.repo);
  if (!repository) {
    std::fprintf(stderr, "refguard scan: %s\n", repository.error().message.c_str());
    return 2;
  }
  auto committed = git::read_default_branch_file((*repository)->repository.get(), engine::kCommittedPolicyFile);
  auto load = store.for_repository((*repository)->path, committed ? *committed : std::nullopt);
  for (const auto& warning : load.warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  git::PushLimits limits{1u << 30, 64ull << 30};
  WorkPool pool;
  git::ViewPool views((*repository)->path, "");
  git::ParallelReading parallel{&pool, &views};
  auto content = git::read_range(**repository, options.range, limits, nullptr, parallel);
  if (!content) {
    std::fprintf(stderr, "refguard scan: %s\n", content.error().message.c_str());
    return 2;
  }
  git::ObjectReader objects((*repository)->repository.get(), limits.max_blob_bytes);
  engine::ScanCache cache;
  auto scanned = engine::scan_push_content(*load.policy, *content, objects, cache, pool,
                                           std::chrono::steady_clock::time_point::max(),
                                           [](ipc::LineKind, const std::string&) {}, parallel);
  if (!scanned) {
    std::fprintf(stderr, "refguard scan: %s\n", scanned.error().message.c_str());
    return 2;
  }
  auto& outcome = *scanned;
  std::erase_if(outcome.findings, [&](const engine::Finding& f) { return baseline->contains(f.id); });
  ScanReport report;
  report.findings = &outcome.findings;
  report.policy = load.policy.get();
  report.commits = content->commits.size();
  report.files = outcome.files;
  if (auto failed = drop_ignored_findings(options, **repository, *load.policy, outcome.findings, report)) return *failed;
  fill_provenance(report, (*repository)->repository.get(), (*repository)->path);
  report.range = options.range;
  report.command_line = command_line(options);
  report.start_time = started;
  report.end_time = utc_now_iso8601();
  std::string text = options.format == "json"    ? format_json(report)
                     : options.format == "sarif" ? format_sarif(report)
                                                 : format_text(report);
  if (options.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream out(options.output, std::ios::binary);
    out << text;
    if (!out) {
      std::fprintf(stderr, "refguard scan: cannot write %s\n", options.output.c_str());
      return 2;
    }
  }
  bool blocked = std::any_of(outcome.findings.begin(), outcome.findings.end(),
                             [](const engine::Finding& f) { return f.severity == detect::Severity::kBlock; });
  return blocked ? 1 : 0;
}

}  // namespace

Command add_scan_command(CLI::App& app) {
  auto options = std::make_shared<ScanOptions>();
  auto* command = app.add_subcommand("scan", "scan a range or a whole history offline");
  command->add_option("--repo", options->repo, "repository (default: current directory)");
  command->add_option("range", options->range, "A..B, a revision (its history), or nothing for every ref");
  command->add_option("--format", options->format, "text, json or sarif")
      ->check(CLI::IsMember({"text", "json", "sarif"}));
  command->add_option("--baseline", options->baseline, "JSON from an earlier scan: its findings are not reported");
  command->add_option("--config", options->config, "system policy file");
  command->add_option("--output,-o", options->output, "write the report to this file");
  command->add_option("--ignore-file", options->ignore_files,
                      "finding ids to leave out, one per line (repeatable; .refguardignore on the default branch "
                      "and refguardignore in the git dir are read too)");
  return [options] { return run_scan(*options); };
}

}  // namespace refguard::cli
