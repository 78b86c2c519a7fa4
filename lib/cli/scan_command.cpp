// `refguard scan --repo DIR [RANGE]`: the push check's engine over a range or a
// whole history, offline (CI, first-time adoption). Exit 1 when something blocks.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>

#include "cli/commands.h"
#include "cli/scan_output.h"
#include "engine/policy_store.h"
#include "engine/push_pipeline.h"
#include "engine/verdict.h"
#include "git/repository_cache.h"
#include "util/log.h"

namespace refguard::cli {

namespace {

// Exit status of a scan that found nothing blocking but could not read every
// file (partial clone): distinct from 0 (clean), 1 (blocking findings) and 2 (error).
constexpr int kIncompleteScan = 3;

// An offline scan reads a whole history: far larger limits than a push's, no
// time budget, and nothing remembered for a next push.
const engine::PipelineOptions kOfflineScan{
    .allowed_roots = {},
    .limits = git::PushLimits{.max_commits = 1u << 30, .max_blob_bytes = 64ull << 30, .missing_blobs_allowed = true},
    .time_budget = false,
    .remember_commits = false,
    .ignore_files = {},
};

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
  git::RepositoryCache repositories(1);
  // One check, nothing remembered after it: a scan cache would only hold an
  // entry per file of the history (within one check, each distinct blob and
  // path is scanned once anyway).
  engine::ScanCache cache(0, 0);
  WorkPool pool(WorkPool::threads_beside_caller());
  engine::PipelineOptions offline = kOfflineScan;
  offline.ignore_files = options.ignore_files;
  engine::PushPipeline pipeline(repositories, store, cache, pool, offline);
  // The report below says everything; the pusher's lines are not printed.
  auto result = pipeline.check_range(options.repo, options.range, [](ipc::LineKind, const std::string&) {});
  for (const auto& warning : result.warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  if (!result.error.empty()) {
    std::fprintf(stderr, "refguard scan: %s\n", result.error.c_str());
    return 2;
  }
  auto& findings = result.findings;
  std::erase_if(findings, [&](const engine::Finding& f) { return baseline->contains(f.id); });
  ScanReport report;
  report.findings = &findings;
  report.policy = result.policy.get();
  report.commits = result.commits;
  report.files = result.files;
  report.ignored = result.ignored;
  report.ignore_files = result.ignore_files;
  report.missing = result.missing;
  if (auto repository = git::open_repository(result.repository))
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
  // Blocking findings decide first (what was read already blocks); then an
  // incomplete scan is not a clean one.
  if (engine::has_blocking_finding(findings)) return 1;
  return report.missing.empty() ? 0 : kIncompleteScan;
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
