// Benchmark of the model detector on large benign files read through the
// file-backed ByteSource: scan rate (MB/s, median of --runs) and peak RSS,
// which shows a 1 GiB model is never loaded whole. `--scan FILE...` instead
// prints the findings for existing files.
//
//   refguard_model_bench [--dir /tmp] [--mib 1024] [--runs 3] [--keep]
//   refguard_model_bench --scan model.pt weights.txt ...
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_files.h"
#include "detect/model/byte_source.h"
#include "detect/model/model_scanner.h"

namespace {

using refguard::detect::Hit;
using refguard::detect::Severity;
using namespace refguard::detect::model;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int scan_files(const std::vector<std::string>& paths) {
  ModelScanner scanner{GlobalPolicy{}, ModelScanOptions{}};
  int blocked = 0;
  for (const auto& path : paths) {
    auto source = FileSource::open(path);
    if (!source) {
      fmt::print(stderr, "{}\n", source.error().message);
      return 2;
    }
    std::vector<Hit> hits;
    scanner.scan(*source, path, hits);
    fmt::print("{}: {} finding(s)\n", path, hits.size());
    for (const auto& hit : hits) {
      bool block = hit.severity == Severity::kBlock;
      blocked += block;
      fmt::print("  [{}] {}{}\n", block ? "block" : "warn", hit.detail, hit.where.empty() ? "" : " @ " + hit.where);
    }
  }
  return blocked ? 1 : 0;
}

struct Result {
  double wall_ms;  // medians over the runs
  double cpu_ms;
  double wall_mb_per_s;
  double cpu_mb_per_s;
  size_t findings;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Result measure(const ModelScanner& scanner, const std::string& path, uint64_t size, int runs) {
  std::vector<double> wall, cpu;
  size_t findings = 0;
  for (int run = 0; run < runs; ++run) {
    auto source = FileSource::open(path);
    if (!source) throw std::runtime_error(source.error().message);
    std::vector<Hit> hits;
    double cpu_start = cpu_seconds();
    auto start = std::chrono::steady_clock::now();
    scanner.scan(*source, path, hits);
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(cpu_seconds() - cpu_start);
    findings = hits.size();
  }
  double wall_s = median(wall), cpu_s = std::max(median(cpu), 1e-6);  // rusage ticks are coarse
  double mb = static_cast<double>(size) / 1e6;
  return {wall_s * 1e3, cpu_s * 1e3, mb / wall_s, mb / cpu_s, findings};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--scan") return scan_files({args.begin() + 1, args.end()});
  std::string dir = "/tmp";
  uint64_t mib = 1024;
  int runs = 3;
  bool keep = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dir" && i + 1 < args.size()) dir = args[++i];
    else if (args[i] == "--mib" && i + 1 < args.size()) mib = std::stoull(args[++i]);
    else if (args[i] == "--runs" && i + 1 < args.size()) runs = std::max(1, std::stoi(args[++i]));
    else if (args[i] == "--keep") keep = true;
    else {
      fmt::print(stderr, "usage: refguard_model_bench [--dir DIR] [--mib N] [--runs N] [--keep] | --scan FILE...\n");
      return 2;
    }
  }
  const uint64_t bytes = mib << 20;
  struct Bench {
    std::string name;
    std::string file;
    uint64_t size = 0;
  };
  std::vector<Bench> benches = {
      {"PyTorch zip (256 stored tensors)", dir + "/refguard-bench-model.pt"},
      {"pickle of 4 MiB BINBYTES8 arrays", dir + "/refguard-bench-payload.pkl"},
      {"dense pickle (ints and floats, 1/4 size)", dir + "/refguard-bench-dense.pkl"},
  };
  benches[0].size = refguard::bench::write_torch_zip(benches[0].file, bytes, 256);
  benches[1].size = refguard::bench::write_payload_pickle(benches[1].file, bytes, 4 << 20);
  benches[2].size = refguard::bench::write_dense_pickle(benches[2].file, bytes / 4);
  long rss_before = peak_rss_kib();
  ModelScanner scanner{GlobalPolicy{}, ModelScanOptions{}};
  fmt::print("{:<42} {:>8} {:>9} {:>9} {:>11} {:>11} {:>8}\n", "file", "MiB", "wall ms", "cpu ms", "wall MB/s",
             "cpu MB/s", "findings");
  for (const auto& bench : benches) {
    Result r = measure(scanner, bench.file, bench.size, runs);
    fmt::print("{:<42} {:>8.0f} {:>9.1f} {:>9.1f} {:>11.0f} {:>11.0f} {:>8}\n", bench.name,
               static_cast<double>(bench.size) / 1048576.0, r.wall_ms, r.cpu_ms, r.wall_mb_per_s, r.cpu_mb_per_s,
               r.findings);
  }
  fmt::print("peak RSS: {:.1f} MiB before scanning, {:.1f} MiB after (largest file {:.0f} MiB)\n",
             static_cast<double>(rss_before) / 1024.0, static_cast<double>(peak_rss_kib()) / 1024.0,
             static_cast<double>(bytes) / 1048576.0);
  if (!keep)
    for (const auto& bench : benches) std::filesystem::remove(bench.file);
  return 0;
}
