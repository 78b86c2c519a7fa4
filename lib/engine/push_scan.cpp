#include "engine/push_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "engine/blob_scanner.h"
#include "engine/report.h"

namespace refguard::engine {

namespace {

using Clock = std::chrono::steady_clock;

// Distinct things to scan: a blob at a path (the path decides which rules apply).
struct ScanUnit {
  std::string blob_id;
  std::string path;
  ScanCache::Findings findings;  // null until scanned
};

std::string finding_id(const std::string& rule, const std::string& path, const BlobFinding& f) {
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::string_view text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;
  };
  mix(rule);
  mix(path);
  mix(f.secret_hash ? std::to_string(f.secret_hash) : f.detail + f.where);
  return fmt::format("{:08x}", static_cast<uint32_t>(hash ^ (hash >> 32)));
}

bool line_is_new(const git::ChangedFile& file, const BlobFinding& finding) {
  if (finding.line == 0) return true;
  return std::binary_search(file.added_lines.begin(), file.added_lines.end(), finding.line);
}

class PushScan {
 public:
  PushScan(const CompiledPolicy& policy, ScanCache& cache, WorkPool& pool, const LineSink& sink)
      : policy_(policy), cache_(cache), pool_(pool), sink_(sink) {}

  // Scans every distinct unit once, in parallel, until the deadline.
  void scan(const git::PushContent& content, Clock::time_point deadline, ScanOutcome& result) {
    std::unordered_map<std::string, size_t> unit_index;
    for (const auto& file : content.files) {
      std::string key = ScanCache::key(policy_.digest(), file.blob_id, file.path);
      if (unit_index.emplace(key, units_.size()).second) units_.push_back({file.blob_id, file.path, nullptr});
    }
    std::atomic<size_t> done{0}, hits{0};
    std::mutex progress_mutex;
    auto last_progress = Clock::now();
    pool_.parallel_for(units_.size(), [&](size_t i) {
      ScanUnit& unit = units_[i];
      std::string key = ScanCache::key(policy_.digest(), unit.blob_id, unit.path);
      if ((unit.findings = cache_.find(key))) {
        ++hits;
      } else if (Clock::now() >= deadline) {
        return;  // left unscanned: reported by unscanned()
      } else {
        const git::BlobData& blob = content.blobs.at(unit.blob_id);
        auto findings = scan_blob(policy_, unit.path, unit.blob_id, blob.content, blob.binary);
        unit.findings = std::make_shared<const std::vector<BlobFinding>>(std::move(findings));
        cache_.insert(key, unit.findings);
      }
      size_t finished = ++done;
      std::lock_guard lock(progress_mutex);
      if (Clock::now() - last_progress > std::chrono::milliseconds(500) && finished < units_.size()) {
        last_progress = Clock::now();
        sink_(ipc::LineKind::kProgress, prefixed(fmt::format("scanned {} of {} files", finished, units_.size())));
      }
    });
    result.files = units_.size();
    result.cache_hits = hits;
    for (const auto& [key, index] : unit_index) index_[key] = index;
  }

  // Findings each commit introduces: a blob's findings on lines that commit added.
  void collect(const git::PushContent& content, std::vector<Finding>& out) {
    for (const auto& file : content.files) {
      const ScanUnit& unit = units_[index_.at(ScanCache::key(policy_.digest(), file.blob_id, file.path))];
      if (!unit.findings) continue;
      const git::CommitInfo& commit = content.commits[file.commit];
      for (const auto& f : *unit.findings) {
        if (f.rule >= policy_.rules().size()) continue;  // never trust a cache entry blindly
        const CompiledRule& rule = policy_.rules()[f.rule];
        if (!line_is_new(file, f) || rule.allowlist.allows_commit(commit.id)) continue;
        if (f.line == 0 && file.binary == false && file.added_lines.empty()) continue;
        out.push_back(make_finding(rule, commit, file.path, f));
      }
    }
  }

  std::vector<std::string> unscanned() const {
    std::vector<std::string> paths;
    for (const auto& unit : units_)
      if (!unit.findings) paths.push_back(unit.path);
    return paths;
  }

 private:
  static Finding make_finding(const CompiledRule& rule, const git::CommitInfo& commit, const std::string& path,
                              const BlobFinding& f) {
    Finding finding;
    finding.rule_id = rule.spec.id;
    finding.description = rule.spec.description;
    finding.remedy = rule.spec.remedy;
    finding.severity = f.severity;
    finding.commit_id = commit.id;
    finding.commit_subject = commit.subject;
    finding.ref = commit.ref;
    finding.path = path;
    finding.line = f.line;
    finding.where = f.where;
    finding.masked = f.masked;
    finding.detail = f.detail;
    finding.id = finding_id(rule.spec.id, path, f);
    return finding;
  }

  const CompiledPolicy& policy_;
  ScanCache& cache_;
  WorkPool& pool_;
  const LineSink& sink_;
  std::vector<ScanUnit> units_;
  std::unordered_map<std::string, size_t> index_;
};

// A finding on a tag message is reported against the tag.
void scan_tags(const CompiledPolicy& policy, const git::PushContent& content, std::vector<Finding>& out) {
  for (const auto& tag : content.tags) {
    std::string path = tag.ref + " (tag message)";
    for (const auto& f : scan_blob(policy, path, tag.id, tag.message, false)) {
      const CompiledRule& rule = policy.rules()[f.rule];
      Finding finding;
      finding.rule_id = rule.spec.id;
      finding.description = rule.spec.description;
      finding.remedy = rule.spec.remedy;
      finding.severity = f.severity;
      finding.commit_id = tag.id;
      finding.commit_subject = "annotated tag";
      finding.ref = tag.ref;
      finding.path = path;
      finding.line = f.line;
      finding.masked = f.masked;
      finding.detail = f.detail;
      finding.id = finding_id(rule.spec.id, path, f);
      out.push_back(std::move(finding));
    }
  }
}

}  // namespace

ScanOutcome scan_push_content(const CompiledPolicy& policy, const git::PushContent& content, ScanCache& cache,
                              WorkPool& pool, std::chrono::steady_clock::time_point deadline, const LineSink& sink) {
  ScanOutcome outcome;
  PushScan scan(policy, cache, pool, sink);
  scan.scan(content, deadline, outcome);
  scan.collect(content, outcome.findings);
  scan_tags(policy, content, outcome.findings);
  outcome.unscanned = scan.unscanned();
  return outcome;
}

}  // namespace refguard::engine
