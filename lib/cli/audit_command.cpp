// `refguard audit [--repo R] [--since T] [--user U]`: reads the audit log
// (and its rotated generations, oldest first) and prints matching records.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "cli/commands.h"
#include "util/path.h"

namespace refguard::cli {

namespace {

struct AuditOptions {
  std::string file = "/var/lib/refguard/audit.jsonl";
  std::string repo;
  std::string since;
  std::string user;
  bool json = false;
};

// "2026-11-27", "2026-11-27T08:00:00Z", or relative: "30m", "2h", "7d".
Expected<std::string> since_timestamp(const std::string& text) {
  if (text.empty()) return std::string();
  char unit = text.back();
  if ((unit == 'm' || unit == 'h' || unit == 'd') && text.size() > 1 &&
      text.find_first_not_of("0123456789") == text.size() - 1) {
    long amount = std::stol(text.substr(0, text.size() - 1));
    long seconds = amount * (unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400);
    std::time_t when = std::time(nullptr) - seconds;
    std::tm utc{};
    gmtime_r(&when, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(stamp);
  }
  if (text.size() >= 10 && text[4] == '-' && text[7] == '-') return text;
  return fail("--since takes a date (2026-11-27[T08:00:00Z]) or an age (30m, 2h, 7d), not '" + text + "'");
}

bool matches(const nlohmann::json& record, const AuditOptions& options, const std::string& since) {
  if (!options.user.empty() && record.value("pusher", "") != options.user) return false;
  if (!since.empty() && record.value("time", "") < since) return false;  // ISO 8601 UTC sorts as text
  if (!options.repo.empty()) {
    std::string repo = record.value("repository", "");
    auto canonical = canonical_path(options.repo);
    if (repo != options.repo && (!canonical || repo != *canonical)) return false;
  }
  return true;
}

void print_text(const nlohmann::json& r) {
  std::printf("%s %s %s by %s: %zu finding(s)%s, %lld ms\n", r.value("time", "?").c_str(),
              r.value("verdict", "?").c_str(), r.value("repository", "?").c_str(),
              r.value("pusher", "").empty() ? "-" : r.value("pusher", "").c_str(),
              r.contains("findings") ? r["findings"].size() : size_t{0},
              r.contains("bypass") ? (" BYPASS: \"" + r["bypass"].value("reason", "") + "\"").c_str() : "",
              static_cast<long long>(r.value("duration_ms", 0)));
  if (r.contains("findings"))
    for (const auto& f : r["findings"])
      std::printf("    %s [%s] %s:%d %s%s\n", f.value("severity", "").c_str(), f.value("rule", "").c_str(),
                  f.value("path", "").c_str(), f.value("line", 0), f.value("secret", "").c_str(),
                  f.value("bypassed", false) ? " (bypassed)" : "");
}

int run_audit(const AuditOptions& options) {
  auto since = since_timestamp(options.since);
  if (!since) {
    std::fprintf(stderr, "refguard audit: %s\n", since.error().message.c_str());
    return 2;
  }
  std::vector<std::string> files;
  for (int generation = 9; generation >= 1; --generation)
    files.push_back(options.file + "." + std::to_string(generation));
  files.push_back(options.file);
  bool any_file = false;
  size_t skipped = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) continue;
    any_file = true;
    for (std::string line; std::getline(in, line);) {
      auto record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_discarded() || !record.is_object()) {
        ++skipped;  // a torn tail after a power loss: never trusted, never fatal
        continue;
      }
      if (!matches(record, options, *since)) continue;
      if (options.json) std::printf("%s\n", record.dump().c_str());
      else print_text(record);
    }
  }
  if (!any_file) {
    std::fprintf(stderr, "refguard audit: no audit log at %s\n", options.file.c_str());
    return 1;
  }
  if (skipped > 0) std::fprintf(stderr, "refguard audit: skipped %zu unreadable line(s)\n", skipped);
  return 0;
}

}  // namespace

Command add_audit_command(CLI::App& app) {
  auto options = std::make_shared<AuditOptions>();
  auto* command = app.add_subcommand("audit", "read the audit log");
  command->add_option("--file", options->file, "audit log (default /var/lib/refguard/audit.jsonl)");
  command->add_option("--repo", options->repo, "only this repository");
  command->add_option("--since", options->since, "only records since a date or an age (30m, 2h, 7d)");
  command->add_option("--user", options->user, "only this pusher");
  command->add_flag("--json", options->json, "print records as JSON lines");
  return [options] { return run_audit(*options); };
}

}  // namespace refguard::cli
