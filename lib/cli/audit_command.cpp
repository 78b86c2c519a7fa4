// `refguard audit [--repo R] [--since T] [--user U] [--verdict V]`: reads the
// audit log (and its rotated generations, oldest first) and prints matching
// records. --repo matches a path or its last components ("project.git",
// "team/project", ...); when no record matches it, the log's repositories are named.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "cli/commands.h"
#include "engine/audit_log.h"
#include "util/os_user.h"
#include "util/path.h"
#include "util/number_text.h"

namespace refguard::cli {

namespace {

struct AuditOptions {
  std::string file;          // "" = the audit log of service_user's daemon
  std::string service_user;  // "" = the user running this command
  std::string repo;
  std::string since;
  std::string user;
  std::string verdict;  // accept | reject | bypass | timeout
  bool json = false;
};

// "/srv/git/team/project.git" matches "project.git", "team/project.git",
// "project" and "team/project": whole path components, ".git" optional.
bool repo_matches(const std::string& repository, const std::string& wanted) {
  auto strip = [](std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.ends_with(".git")) path.resize(path.size() - 4);
    return path;
  };
  std::string have = strip(repository), want = strip(wanted);
  if (want.empty() || have.size() < want.size() || !have.ends_with(want)) return false;
  return have.size() == want.size() || have[have.size() - want.size() - 1] == '/' || want.front() == '/';
}

// accept: landed with nothing bypassed; bypass: landed past blocking findings;
// reject: refused; timeout: the time budget ran out (either verdict).
bool verdict_matches(const nlohmann::json& record, const std::string& verdict) {
  if (verdict.empty()) return true;
  bool bypass = record.contains("bypass");
  std::string word = record.value("verdict", "");
  if (verdict == "timeout") return record.value("timed_out", false);
  if (verdict == "bypass") return bypass;
  if (verdict == "accept") return word == "accept" && !bypass;
  return word == verdict;
}

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
  if (!verdict_matches(record, options.verdict)) return false;
  if (!options.repo.empty()) {
    std::string repo = record.value("repository", "");
    auto canonical = canonical_path(options.repo);
    if (!repo_matches(repo, options.repo) && (!canonical || repo != *canonical)) return false;
  }
  return true;
}

void print_text(const nlohmann::json& r) {
  size_t findings = r.contains("findings") ? r["findings"].size() : size_t{0};
  std::printf("%s %s%s %s by %s: %s%s, %lld ms\n", r.value("time", "?").c_str(), r.value("verdict", "?").c_str(),
              r.value("timed_out", false) ? " (timed out)" : "", r.value("repository", "?").c_str(),
              r.value("pusher", "").empty() ? "-" : r.value("pusher", "").c_str(),
              counted(findings, "finding", "findings").c_str(),
              r.contains("bypass") ? (" BYPASS: \"" + r["bypass"].value("reason", "") + "\"").c_str() : "",
              static_cast<long long>(r.value("duration_ms", 0)));
  if (r.contains("findings"))
    for (const auto& f : r["findings"])
      std::printf("    %s [%s] %s:%d %s%s\n", f.value("severity", "").c_str(), f.value("rule", "").c_str(),
                  f.value("path", "").c_str(), f.value("line", 0), f.value("secret", "").c_str(),
                  f.value("bypassed", false) ? " (bypassed)" : "");
  if (r.contains("silenced_inline"))
    for (const auto& f : r["silenced_inline"])
      std::printf("    silenced inline [%s] %s:%d %s\n", f.value("rule", "").c_str(), f.value("path", "").c_str(),
                  f.value("line", 0), f.value("secret", "").c_str());
}

int run_audit(AuditOptions options) {
  if (options.file.empty())
    options.file = engine::audit_log_in(options.service_user.empty() ? default_state_dir()
                                                                      : instance_state_dir(options.service_user));
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
  size_t skipped = 0, printed = 0;
  std::set<std::string> repositories;
  std::string why_unreadable = std::strerror(ENOENT);  // of the current log, when nothing could be read
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      if (file == options.file) why_unreadable = std::strerror(errno);  // EACCES, ENOENT, ...
      continue;
    }
    any_file = true;
    for (std::string line; std::getline(in, line);) {
      auto record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_discarded() || !record.is_object()) {
        ++skipped;  // a torn tail after a power loss: never trusted, never fatal
        continue;
      }
      repositories.insert(record.value("repository", ""));
      if (!matches(record, options, *since)) continue;
      ++printed;
      if (options.json) std::printf("%s\n", record.dump().c_str());
      else print_text(record);
    }
  }
  if (!any_file) {
    std::fprintf(stderr, "refguard audit: cannot read the audit log %s: %s\n", options.file.c_str(),
                 why_unreadable.c_str());
    return 1;
  }
  if (skipped > 0) std::fprintf(stderr, "refguard audit: skipped %s\n", counted(skipped, "unreadable line", "unreadable lines").c_str());
  if (!options.repo.empty() && printed == 0 &&
      std::none_of(repositories.begin(), repositories.end(), [&](const std::string& r) { return repo_matches(r, options.repo); })) {
    std::vector<std::string> known(repositories.begin(), repositories.end());
    if (known.size() > 10) known.resize(10);
    std::fprintf(stderr, "refguard audit: no repository in the log matches '%s'%s\n", options.repo.c_str(),
                 known.empty() ? "" : fmt::format(" (it has: {})", fmt::join(known, ", ")).c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command add_audit_command(CLI::App& app) {
  auto options = std::make_shared<AuditOptions>();
  auto* command = app.add_subcommand("audit", "read the audit log");
  command->add_option("--file", options->file, "audit log (default /var/lib/refguard/SERVICE_USER/audit.jsonl)");
  command->add_option("--service-user", options->service_user,
                      "read the audit log of this service user's daemon (refguard@USER; default: yourself)");
  command->add_option("--repo", options->repo, "only this repository (a path, or its last components: project.git)");
  command->add_option("--since", options->since, "only records since a date or an age (30m, 2h, 7d)");
  command->add_option("--user", options->user, "only this pusher");
  command->add_option("--verdict", options->verdict, "only pushes that ended so: accept, reject, bypass or timeout")
      ->check(CLI::IsMember({"accept", "reject", "bypass", "timeout"}));
  command->add_flag("--json", options->json, "print records as JSON lines");
  return [options] { return run_audit(*options); };
}

}  // namespace refguard::cli
