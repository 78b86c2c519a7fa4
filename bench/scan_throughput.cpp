// Scanner throughput (issue 3): engine::scan_blob on one thread over the
// lines a realistic history added, with the built-in default policy and with a
// single rule (openai-api-key), against how fast `git log -p` produces the
// patch text of the same history on the same machine.
//
//   refguard_scan_throughput --repo DIR [--runs 5] [--git-args "log -p"] [--chunks files|64k]
//   perf record -g refguard_scan_throughput --repo DIR --profile default   (one policy only)
//
// The corpus: `git log -p` of DIR, cut per (commit, file) into the added lines
// (without the '+'), each scanned as a blob at its real path (so path-scoped
// and AI-only rules apply as they do in a push). `--chunks 64k` instead scans
// the raw patch text in 64 KiB pieces at one neutral path. Rates are MB
// (10^6 bytes) of scanned text per second, wall clock and thread CPU, median
// of --runs. git's rate is MB of patch text per second, wall and CPU.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "engine/policy_store.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"

namespace {

using namespace refguard;

struct Chunk {
  std::string path;
  std::string text;
};

struct Rate {
  double wall_mbps;
  double cpu_mbps;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// Runs `git -C repo ARGS...` and returns its stdout; `cpu` gets the child's user+sys seconds.
std::string run_git(const std::string& repo, const std::vector<std::string>& args, double& cpu) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<std::string> full = {"git", "-C", repo, "--no-pager"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : full) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp("git", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  std::vector<char> buffer(1 << 20);
  for (ssize_t got; (got = ::read(fds[0], buffer.data(), buffer.size())) != 0;) {
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buffer.data(), static_cast<size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(child, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("git failed");
  cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  return out;
}

// Added lines of each (commit, file) of a `git log -p` text, at the file's new path.
std::vector<Chunk> added_lines_per_file(std::string_view patch) {
  std::vector<Chunk> chunks;
  bool in_hunk = false;
  Chunk* current = nullptr;
  size_t start = 0;
  while (start < patch.size()) {
    size_t end = patch.find('\n', start);
    if (end == std::string_view::npos) end = patch.size();
    std::string_view line = patch.substr(start, end - start);
    start = end + 1;
    char first = line.empty() ? ' ' : line.front();
    if (in_hunk && (first == ' ' || first == '-' || first == '\\')) continue;
    if (in_hunk && first == '+') {
      if (current) current->text.append(line.substr(1)).push_back('\n');
      continue;
    }
    in_hunk = false;
    if (line.starts_with("diff --git ")) {
      current = nullptr;
    } else if (line.starts_with("+++ ")) {
      std::string_view path = line.substr(4);
      if (path.starts_with("b/")) {
        chunks.push_back({std::string(path.substr(2)), {}});
        current = &chunks.back();
      }
    } else if (line.starts_with("@@")) {
      in_hunk = true;
    }
  }
  std::erase_if(chunks, [](const Chunk& c) { return c.text.empty(); });
  return chunks;
}

std::vector<Chunk> raw_pieces(const std::string& patch, size_t size) {
  std::vector<Chunk> chunks;
  for (size_t at = 0; at < patch.size();) {
    size_t end = std::min(patch.size(), at + size);
    if (end < patch.size()) {
      size_t newline = patch.rfind('\n', end);
      if (newline != std::string::npos && newline > at) end = newline + 1;
    }
    chunks.push_back({"history.patch", patch.substr(at, end - at)});
    at = end;
  }
  return chunks;
}

// The built-in policy's settings and [ai] tables (everything before the first
// rule) plus one rule of it, by id: a policy that differs only in its rules.
std::string single_rule_text(std::string_view rule_id) {
  std::string_view all = policy::builtin_policy_text();
  size_t first_rule = all.find("[[rule]]");
  std::string text(all.substr(0, first_rule));
  size_t id_at = all.find(fmt::format("id = \"{}\"", rule_id));
  if (id_at == std::string_view::npos) throw std::runtime_error("rule not in the built-in policy");
  size_t begin = all.rfind("[[rule]]", id_at);
  size_t end = all.find("[[rule]]", id_at);
  text += all.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  return text;
}

std::shared_ptr<const engine::CompiledPolicy> compile_text(const std::string& text) {
  policy::PolicySpec spec;
  if (auto applied = policy::apply_layer(spec, text, "<bench single rule>", policy::LayerKind::kBuiltin); !applied)
    throw std::runtime_error(applied.error().message);
  auto compiled = engine::CompiledPolicy::compile(spec);
  if (!compiled) throw std::runtime_error(compiled.error().message);
  return *compiled;
}

Rate scan_rate(const engine::CompiledPolicy& policy, const std::vector<Chunk>& corpus, size_t bytes, int runs,
               size_t& findings) {
  std::vector<double> wall, cpu;
  for (int run = 0; run < runs; ++run) {
    findings = 0;
    auto started = std::chrono::steady_clock::now();
    double cpu_started = thread_cpu_seconds();
    for (const auto& chunk : corpus)
      findings += engine::scan_blob(policy, chunk.path, "", chunk.text, false).size();
    double cpu_used = thread_cpu_seconds() - cpu_started;
    double wall_used = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    wall.push_back(static_cast<double>(bytes) / 1e6 / wall_used);
    cpu.push_back(static_cast<double>(bytes) / 1e6 / cpu_used);
  }
  return {median(wall), median(cpu)};
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

int run(int argc, char** argv) {
  std::string repo, git_args = "log -p", chunks_mode = "files", rule_id = "openai-api-key", profile;
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--repo") repo = value();
    else if (arg == "--runs") runs = std::stoi(value());
    else if (arg == "--git-args") git_args = value();
    else if (arg == "--chunks") chunks_mode = value();
    else if (arg == "--rule") rule_id = value();
    else if (arg == "--profile") profile = value();
    else {
      fmt::print(stderr, "usage: {} --repo DIR [--runs 5] [--git-args \"log -p\"] [--chunks files|64k] [--rule ID]\n"
                 "       [--profile default|single: git once, then only that policy, --runs times]\n",
                 argv[0]);
      return 2;
    }
  }
  if (repo.empty()) throw std::runtime_error("--repo DIR is required");
  auto git_words = split_words(git_args);
  git_words.push_back("--no-color");

  // 1. git log -p: how fast git produces the patch text (median of runs).
  std::string patch;
  std::vector<double> git_wall, git_cpu;
  for (int r = 0; r < (profile.empty() ? runs : 1); ++r) {
    double cpu = 0;
    auto started = std::chrono::steady_clock::now();
    patch = run_git(repo, git_words, cpu);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    git_wall.push_back(static_cast<double>(patch.size()) / 1e6 / wall);
    git_cpu.push_back(static_cast<double>(patch.size()) / 1e6 / cpu);
  }
  Rate git{median(git_wall), median(git_cpu)};

  // 2. The corpus and the two policies.
  std::vector<Chunk> corpus = chunks_mode == "64k" ? raw_pieces(patch, 64 << 10) : added_lines_per_file(patch);
  size_t bytes = 0;
  for (const auto& chunk : corpus) bytes += chunk.text.size();
  engine::PolicyStore store("", false);
  if (auto loaded = store.reload(); !loaded) throw std::runtime_error(loaded.error().message);
  auto full = store.base_policy();
  auto single = compile_text(single_rule_text(rule_id));

  // 3. Scan rates on this thread, one policy after the other.
  size_t full_findings = 0, single_findings = 0;
  if (!profile.empty()) {  // for perf / callgrind: one policy only
    Rate rate = scan_rate(profile == "single" ? *single : *full, corpus, bytes, runs, full_findings);
    fmt::print("{}: {:.1f} MB/s wall, {:.1f} MB/s CPU, {} findings\n", profile, rate.wall_mbps, rate.cpu_mbps,
               full_findings);
    return 0;
  }
  Rate full_rate = scan_rate(*full, corpus, bytes, runs, full_findings);
  Rate single_rate = scan_rate(*single, corpus, bytes, runs, single_findings);

  fmt::print("repo: {}\n", repo);
  fmt::print("git {}: {:.1f} MB patch text; {:.1f} MB/s wall, {:.1f} MB/s CPU (median of {})\n", git_args,
             static_cast<double>(patch.size()) / 1e6, git.wall_mbps, git.cpu_mbps, runs);
  fmt::print("corpus ({}): {} chunks, {:.1f} MB\n", chunks_mode == "64k" ? "raw patch in 64 KiB pieces"
                                                                          : "added lines per (commit, file)",
             corpus.size(), static_cast<double>(bytes) / 1e6);
  fmt::print("default ruleset ({} rules): {:.1f} MB/s wall, {:.1f} MB/s CPU, {} findings\n", full->rules().size(),
             full_rate.wall_mbps, full_rate.cpu_mbps, full_findings);
  fmt::print("single rule ({}): {:.1f} MB/s wall, {:.1f} MB/s CPU, {} findings\n", rule_id, single_rate.wall_mbps,
             single_rate.cpu_mbps, single_findings);
  double vs_git = full_rate.cpu_mbps / git.cpu_mbps;
  double cost = single_rate.cpu_mbps / full_rate.cpu_mbps;
  // Time to scan what the patch added vs. time git takes to write the patch.
  double time_ratio = (static_cast<double>(bytes) / full_rate.cpu_mbps) / (static_cast<double>(patch.size()) / git.cpu_mbps);
  fmt::print("default ruleset / git log -p rate: {:.2f}x CPU, {:.2f}x wall  [target >= 4x: {}]\n", vs_git,
             full_rate.wall_mbps / git.wall_mbps, vs_git >= 4 ? "PASS" : "FAIL");
  fmt::print("default ruleset cost / single rule cost: {:.2f}x CPU, {:.2f}x wall  [target <= 2x: {}]\n", cost,
             single_rate.wall_mbps / full_rate.wall_mbps, cost <= 2 ? "PASS" : "FAIL");
  fmt::print("time to scan the added lines / time for git to write the patch (CPU): {:.2f}\n", time_ratio);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    fmt::print(stderr, "refguard_scan_throughput: {}\n", error.what());
    return 1;
  }
}
