#include "engine/push_scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include "engine/blob_scanner.h"
#include "engine/report.h"
#include "git/pack_index.h"
#include "util/number_text.h"

namespace refguard::engine {

namespace {

using Clock = std::chrono::steady_clock;

// At most this much blob content waits for a scanning thread; beyond it the
// reading thread scans too. Keeps a whole-history push's memory flat.
constexpr uint64_t kMaxQueuedBytes = 64ull << 20;

// Distinct things to scan: a blob at a path (the path decides which rules apply).
struct ScanUnit {
  git::ObjectId blob_id;
  const std::string* path;       // the commit record's (the content outlives the scan)
  git::BlobData data;            // read, waiting to be scanned; freed after
  ScanCache::Findings findings;  // null until scanned
};

// A unit's identity within one scan (the policy is the same for all): its
// scan-cache key is made only when the cache is asked, so a whole history
// does not hold one ~150-byte key per file version.
struct UnitKey {
  git_oid blob;
  std::string_view path;
  bool operator==(const UnitKey& other) const { return git_oid_equal(&blob, &other.blob) && path == other.path; }
};
struct UnitKeyHash {
  size_t operator()(const UnitKey& key) const noexcept {
    return git::OidHash{}(key.blob) ^ (std::hash<std::string_view>{}(key.path) * 0x9E3779B97F4A7C15ull);
  }
};

// Shared by every unit without findings (most of them): one allocation, not one per file.
const ScanCache::Findings& no_findings() {
  static const ScanCache::Findings none = std::make_shared<const std::vector<BlobFinding>>();
  return none;
}

// No unit: a file whose content only moved past rules that had seen it.
constexpr size_t kNoUnit = static_cast<size_t>(-1);
constexpr size_t kMissingBlob = static_cast<size_t>(-2);  // not in the repository (partial clone): listed, not scanned

bool holds_rule(const std::vector<size_t>& sorted, size_t rule) {
  return std::binary_search(sorted.begin(), sorted.end(), rule);
}

// Whether `rule` looks at files at `path`. An ai_only rule counts as looking
// where the content decides: the content moved with the file.
bool looks_at(const CompiledPolicy& policy, size_t rule, const std::string& path) {
  auto rules = policy.rules_for_path(path);
  return holds_rule(rules->if_not_ai, rule) || holds_rule(rules->if_ai, rule);
}

// Content that only moved (every parent held this very blob at another path)
// is new to the rules that looked at none of those paths (issue 15, item 6:
// a key moved out of an allowlisted fixtures/). When every rule that looks at
// the new path looked at an old one, nothing in it is new and it is not
// scanned at all: moving a directory costs no scan.
bool moved_past_the_same_rules(const CompiledPolicy& policy, const git::FileChange& file) {
  if (file.moved_from.empty()) return false;
  for (size_t parent = 0; parent < file.bases.size(); ++parent)
    if (file.moved_from[parent].empty() || file.bases[parent] != file.blob) return false;
  auto here = policy.rules_for_path(file.path);
  auto seen_before = [&](size_t rule) {
    return std::any_of(file.moved_from.begin(), file.moved_from.end(),
                       [&](const std::string& from) { return looks_at(policy, rule, from); });
  };
  return std::all_of(here->if_not_ai.begin(), here->if_not_ai.end(), seen_before) &&
         std::all_of(here->if_ai.begin(), here->if_ai.end(), seen_before);
}

// What brought a finding: a commit (or an annotated tag) and the pushed ref.
struct Origin {
  const git::ObjectId& id;
  const std::string& subject;
  const std::string& ref;
};

Finding make_finding(const CompiledRule& rule, const Origin& origin, const std::string& path, const BlobFinding& f) {
  Finding finding;
  finding.rule_id = rule.spec.id;
  finding.description = rule.spec.description;
  finding.remedy = rule.spec.remedy;
  finding.severity = f.severity;
  finding.commit_id = origin.id;
  finding.commit_subject = origin.subject;
  finding.ref = origin.ref;
  finding.path = path;
  finding.line = f.line;
  finding.where = f.where;
  finding.masked = f.masked;
  finding.detail = f.detail;
  finding.id = finding_id(rule.spec.id, path, f);
  finding.inline_allow = f.inline_allow;
  finding.allow_names = f.allow_names;
  return finding;
}

class PushScan {
 public:
  PushScan(const CompiledPolicy& policy, const ScanWindow& window, git::UnreadChanges& unread,
           git::ObjectReader& objects, ScanCache& cache, CommitFindingsCache* commit_cache, WorkPool& pool,
           const ipc::LineSink& sink, const git::ParallelReading& parallel)
      : policy_(policy),
        window_(window),
        unread_(unread),
        objects_(objects),
        cache_(cache),
        commit_cache_(commit_cache),
        pool_(pool),
        sink_(sink),
        parallel_(parallel) {}

  // Window by window: reads the commits' files, scans every distinct unit
  // once (in parallel with reading, until the deadline), keeps the findings
  // each commit introduced, and lets the window's files go.
  Expected<void> run(git::PushContent& content, Clock::time_point deadline, ScanOutcome& result,
                     const JudgedCommits* judged) {
    commits_ = content.commits.size();
    last_progress_ = Clock::now();
    for (size_t begin = 0; begin < commits_;) {
      auto end = read_window(content, begin);
      if (!end) return std::unexpected(end.error());
      if (auto scanned = scan(content, begin, *end, deadline, result, judged); !scanned) return scanned;
      if (auto collected = collect(content, begin, *end, result.findings); !collected) return collected;
      note_unscanned(result);
      git::UnreadChanges::put_back(content, begin, *end);
      ++result.windows;
      begin = *end;
    }
    return {};
  }

 private:
  // Reads commits from `begin` on, a run at a time, until the window holds
  // as much as ScanWindow allows; returns where it ends (past `begin`).
  Expected<size_t> read_window(git::PushContent& content, size_t begin) {
    constexpr size_t kReadRun = 256;  // commits read at once: enough to keep every thread busy
    constexpr uint64_t kBytesPerFile = 512;    // a changed file's record, scan unit and index entry, roughly
    constexpr uint64_t kBytesPerCommit = 256;  // a commit's whole record and its place in the window's lists
    size_t end = begin;
    uint64_t held = 0;
    size_t max_end = begin + std::max<size_t>(window_.max_commits, 1);
    while (end < commits_ && end < max_end) {
      size_t run_end = std::min({commits_, max_end, end + kReadRun});
      if (auto read = unread_.read(content, end, run_end); !read) return std::unexpected(read.error());
      // The window ends with the commit that fills it; the rest of the run,
      // read already, starts the next one.
      for (; end < run_end; ++end) {
        if (held >= window_.max_bytes) return end;
        const git::CommitRecord& record = *content.commits[end].changes;
        held += kBytesPerCommit + record.files.size() * kBytesPerFile + record.message.size();
      }
    }
    return end;
  }

  // Scans every distinct unit of the window once, in parallel with reading, until the deadline.
  Expected<void> scan(const git::PushContent& content, size_t begin, size_t end, Clock::time_point deadline,
                      ScanOutcome& result, const JudgedCommits* judged) {
    window_begin_ = begin;
    window_end_ = end;
    if (auto skipped = skip_judged_commits(content, judged, result); !skipped) return skipped;
    list_units(content, result);
    if (auto admitted = admit_units(); !admitted) return admitted;
    std::vector<size_t> to_scan = look_up_scan_cache(result);
    if (parallel_.applies(to_scan.size())) return read_and_scan_in_parallel(to_scan, deadline);
    return read_here_and_scan_on_pool(to_scan, deadline);
  }

  // Commits judged before under this policy (`judged`: looked up once, while
  // the push was read, so their trees were not even diffed) need nothing
  // from their files; their files count as cache hits.
  Expected<void> skip_judged_commits(const git::PushContent& content, const JudgedCommits* judged,
                                     ScanOutcome& result) {
    judged_.assign(window_end_ - window_begin_, nullptr);
    for (size_t c = window_begin_; c < window_end_; ++c) {
      const git::CommitInfo& commit = content.commits[c];
      CommitFindings& found = judged_[c - window_begin_];
      if (judged)
        if (auto it = judged->find(commit.id); it != judged->end()) found = it->second;
      // Never judge a commit on files nobody read.
      if (!found && !commit.changes->files_read)
        return fail("internal error: commit " + commit.id.hex() + " was not read and has no earlier judgement");
      if (found) {
        result.cache_hits += found->files;
        result.files += found->files;
        done_ += found->files;
      }
    }
    return {};
  }

  // The distinct (blob, path) pairs of the window's commits left, and per file its unit.
  void list_units(const git::PushContent& content, ScanOutcome& result) {
    units_.clear();
    index_.clear();
    unit_of_file_.clear();
    first_file_.assign(window_end_ - window_begin_, 0);
    size_t files = 0;
    for (size_t c = window_begin_; c < window_end_; ++c)
      if (!judged_[c - window_begin_]) files += content.commits[c].files().size();
    // Sized once: grown by doubling, a window's lists held up to twice what
    // they needed at the scan's peak.
    unit_of_file_.reserve(files);
    units_.reserve(files);
    index_.reserve(files);
    for (size_t c = window_begin_; c < window_end_; ++c) {
      if (judged_[c - window_begin_]) continue;
      first_file_[c - window_begin_] = unit_of_file_.size();
      for (const auto& file : content.commits[c].files()) {
        if (file.missing) {
          unit_of_file_.push_back(kMissingBlob);
          result.missing.push_back({content.commits[c].id.hex(), file.path, file.blob.hex()});
          continue;
        }
        if (moved_past_the_same_rules(policy_, file)) {
          unit_of_file_.push_back(kNoUnit);
          continue;
        }
        auto [at, added] = index_.emplace(UnitKey{file.blob.raw(), file.path}, units_.size());
        if (added) units_.push_back({file.blob, &file.path, {}, nullptr});
        unit_of_file_.push_back(at->second);
      }
    }
  }

  // Every new blob counts against the push's content limit, cached or not.
  Expected<void> admit_units() {
    std::vector<std::pair<git::ObjectId, std::string_view>> blobs;
    blobs.reserve(units_.size());
    for (const auto& unit : units_) blobs.emplace_back(unit.blob_id, *unit.path);
    return objects_.admit_new_content(blobs);
  }

  // Units scanned before (by any push, under this policy, on this server or,
  // with a shared cache, on another) take their findings from the scan
  // cache; returns the others.
  std::vector<size_t> look_up_scan_cache(ScanOutcome& result) {
    std::vector<std::string> keys;
    std::vector<const std::string*> asked;
    keys.reserve(units_.size());
    asked.reserve(units_.size());
    for (const auto& unit : units_) asked.push_back(&keys.emplace_back(key_of(unit)));
    auto found = cache_.find_many(asked);  // the shared cache too, in batches
    std::vector<size_t> to_scan;
    size_t hits = 0;
    for (size_t i = 0; i < units_.size(); ++i)
      if ((units_[i].findings = std::move(found[i]))) ++hits;
      else to_scan.push_back(i);
    result.cache_hits += hits;
    result.files += units_.size();
    done_ += hits;
    window_total_ = result.files;
    return to_scan;
  }

  // This thread reads (it holds the only handle); the pool scans.
  Expected<void> read_here_and_scan_on_pool(const std::vector<size_t>& to_scan, Clock::time_point deadline) {
    StreamingLoop loop(pool_, [&](size_t i) { scan_unit(units_[i], deadline); }, kMaxQueuedBytes);
    for (size_t i : to_scan) {
      if (Clock::now() >= deadline) break;
      auto blob = objects_.read_blob(units_[i].blob_id, *units_[i].path);
      if (!blob) return std::unexpected(blob.error());  // ~StreamingLoop waits for what runs
      units_[i].data = std::move(*blob);
      loop.push(i, units_[i].data.content.size() + 1);
    }
    loop.finish();
    return {};
  }

  // A large window: every thread reads through a handle of its own and
  // scans what it read, so reading (inflating blobs) is no longer serial.
  Expected<void> read_and_scan_in_parallel(const std::vector<size_t>& to_scan, Clock::time_point deadline) {
    std::vector<size_t> order = in_pack_order(to_scan);
    // A few units per task: one handle borrowed for them, and neighbours
    // (often versions of one file) read through the same handle.
    constexpr size_t kPerTask = 8;
    return pool_.parallel_for_each_until_error(
        (to_scan.size() + kPerTask - 1) / kPerTask, [&](size_t task) -> Expected<void> {
          auto lease = parallel_.views->borrow();
          if (!lease) return std::unexpected(lease.error());
          for (size_t k = task * kPerTask; k < std::min(to_scan.size(), (task + 1) * kPerTask); ++k) {
            ScanUnit& unit = units_[to_scan[order[k]]];
            if (Clock::now() >= deadline) return {};  // left unscanned: counted by note_unscanned()
            auto blob = git::read_blob_from((*lease)->repository.get(), unit.blob_id, *unit.path,
                                            objects_.known_size(unit.blob_id));
            if (!blob) return std::unexpected(blob.error());
            if (read_in_parallel_ += blob->content.size(); read_in_parallel_ > objects_.max_bytes())
              return std::unexpected(git::too_much_content(objects_.max_bytes()));
            unit.data = std::move(*blob);
            scan_unit(unit, deadline);
          }
          return {};
        });
  }

  // The order to read `to_scan` in: as the packs store the blobs (git/pack_index.h).
  std::vector<size_t> in_pack_order(const std::vector<size_t>& to_scan) const {
    std::vector<git::ObjectId> blobs;
    blobs.reserve(to_scan.size());
    for (size_t i : to_scan) blobs.push_back(units_[i].blob_id);
    return git::pack_reading_order(parallel_.views->pack_dir(), blobs);
  }

  // Scans one read unit (unless the deadline passed), caches its findings,
  // frees its content, and tells the pusher how far the scan is.
  void scan_unit(ScanUnit& unit, Clock::time_point deadline) {
    if (Clock::now() < deadline) {  // else left unscanned: counted by note_unscanned()
      auto findings = scan_blob(policy_, *unit.path, unit.blob_id.hex(), unit.data.content, unit.data.binary);
      unit.findings =
          findings.empty() ? no_findings() : std::make_shared<const std::vector<BlobFinding>>(std::move(findings));
      cache_.insert(key_of(unit), unit.findings);
    }
    unit.data = {};
    size_t finished = ++done_;
    std::lock_guard lock(progress_mutex_);
    if (Clock::now() - last_progress_ >= std::chrono::milliseconds(policy_.settings().progress_interval_ms) &&
        finished < window_total_) {
      last_progress_ = Clock::now();
      sink_(ipc::LineKind::kProgress, prefixed(progress_line(finished)));
    }
  }

  // A push that fits one window knows how many files it has; a longer one
  // knows those of the windows read so far, and says how far through its
  // commits they reach (the same "scanned N of M files" first, for scripts).
  std::string progress_line(size_t finished) const {
    std::string line = fmt::format("scanned {} of {} files", with_thousands(finished), with_thousands(window_total_));
    if (window_end_ == commits_ && window_begin_ == 0) return line;
    return line + fmt::format(" listed so far (commits 1-{} of {})", with_thousands(window_end_),
                              with_thousands(commits_));
  }

  // Findings each commit of the window introduces, in commit order: from
  // the commit findings cache for commits judged before, else a blob's
  // findings on lines that commit added. Commits whose every file was
  // scanned are remembered.
  Expected<void> collect(const git::PushContent& content, size_t begin, size_t end, std::vector<Finding>& out) {
    for (size_t c = begin; c < end; ++c) {
      const git::CommitInfo& commit = content.commits[c];
      CommitFindings findings = judged_[c - begin];
      if (!findings) {
        bool complete = true;
        auto introduced = introduced_by(commit, c - begin, complete);
        if (!introduced) return std::unexpected(introduced.error());
        findings = std::make_shared<const CommitJudgement>(
            CommitJudgement{git::JudgedCommit{commit.changes->parents, commit.subject()},
                            static_cast<uint32_t>(commit.files().size()), std::move(*introduced)});
        if (complete && commit_cache_)
          commit_cache_->insert(CommitFindingsCache::key(policy_.digest(), commit.id), findings);
      }
      for (const auto& [path, finding] : findings->findings) {
        if (finding.rule >= policy_.rules().size()) continue;  // never trust a cache entry blindly
        out.push_back(make_finding(policy_.rules()[finding.rule], {commit.id, commit.subject(), commit.ref}, path,
                                   finding));
      }
    }
    return {};
  }

  // Line diffs only for the files that have findings at all. `complete`
  // turns false when a file of the commit was left unscanned.
  Expected<std::vector<CommitFinding>> introduced_by(const git::CommitInfo& commit, size_t in_window,
                                                     bool& complete) {
    std::vector<CommitFinding> introduced = message_findings(commit);
    std::string commit_hex;  // for the allowlist's commit prefixes; made once, when needed
    const auto& files = commit.files();
    for (size_t f = 0; f < files.size(); ++f) {
      const git::FileChange& file = files[f];
      size_t unit_index = unit_of_file_[first_file_[in_window] + f];
      if (unit_index == kMissingBlob) complete = false;  // never remembered as judged
      if (unit_index == kNoUnit || unit_index == kMissingBlob) continue;
      const ScanUnit& unit = units_[unit_index];
      if (!unit.findings) complete = false;
      if (!unit.findings || unit.findings->empty()) continue;
      auto lines = objects_.new_lines(file, commit.id);
      if (!lines) return std::unexpected(lines.error());
      if (commit_hex.empty()) commit_hex = commit.id.hex();
      for (const auto& finding : *unit.findings) {
        if (finding.rule >= policy_.rules().size()) continue;  // never trust a cache entry blindly
        const CompiledRule& rule = policy_.rules()[finding.rule];
        auto looked_at = [&](const std::string& path) { return looks_at(policy_, finding.rule, path); };
        if (!lines->is_new(finding.line, looked_at) || rule.allowlist.allows_commit(commit_hex)) continue;
        introduced.push_back({file.path, finding});
      }
    }
    return introduced;
  }

  // A key in a commit message lands as surely as one in a file: the message
  // is scanned with the same rules, as a file named kCommitMessagePath.
  std::vector<CommitFinding> message_findings(const git::CommitInfo& commit) {
    std::vector<CommitFinding> found;
    const std::string& message = commit.changes->scanned_message();
    if (message.empty()) return found;
    for (auto& f : scan_blob(policy_, kCommitMessagePath, commit.id.hex(), message, false))
      found.push_back({kCommitMessagePath, std::move(f)});
    return found;
  }

  // The window's units the deadline left unscanned: counted, the first named.
  void note_unscanned(ScanOutcome& result) const {
    for (const auto& unit : units_)
      if (!unit.findings) {
        if (result.unscanned++ == 0) result.first_unscanned = *unit.path;
      }
  }

  std::string key_of(const ScanUnit& unit) const { return ScanCache::key(policy_.digest(), unit.blob_id, *unit.path); }

  const CompiledPolicy& policy_;
  ScanWindow window_;
  git::UnreadChanges& unread_;
  git::ObjectReader& objects_;
  ScanCache& cache_;
  CommitFindingsCache* commit_cache_;
  WorkPool& pool_;
  const ipc::LineSink& sink_;
  git::ParallelReading parallel_;
  size_t commits_ = 0;
  std::atomic<uint64_t> read_in_parallel_{0};  // blob bytes pool threads read, for the push's content limit
  // Progress: files judged so far, of the files listed so far.
  std::atomic<size_t> done_{0};
  size_t window_total_ = 0;
  std::mutex progress_mutex_;
  Clock::time_point last_progress_;
  // The window: content.commits[window_begin_, window_end_).
  size_t window_begin_ = 0;
  size_t window_end_ = 0;
  std::vector<CommitFindings> judged_;  // per commit: its findings, when judged before
  std::vector<ScanUnit> units_;
  boost::unordered_flat_map<UnitKey, size_t, UnitKeyHash> index_;  // (blob, path) -> unit
  std::vector<size_t> unit_of_file_;  // per file of each commit not judged before, in order
  std::vector<size_t> first_file_;    // per commit: where its files start in unit_of_file_
};

// A finding on a tag message is reported against the tag.
void scan_tags(const CompiledPolicy& policy, const git::PushContent& content, std::vector<Finding>& out) {
  static const std::string kSubject = "annotated tag";
  for (const auto& tag : content.tags) {
    std::string path = tag.ref + " (tag message)";
    std::string_view message = std::string_view(tag.message).substr(0, git::kMaxScannedMessage);
    for (const auto& f : scan_blob(policy, path, tag.id.hex(), message, false))
      out.push_back(make_finding(policy.rules()[f.rule], {tag.id, kSubject, tag.ref}, path, f));
  }
}

}  // namespace

Expected<ScanOutcome> scan_push_content(const CompiledPolicy& policy, const ScanWindow& window,
                                        git::PushContent& content, git::UnreadChanges& unread, git::ObjectReader& objects, ScanCache& cache,
                                        WorkPool& pool, std::chrono::steady_clock::time_point deadline,
                                        const ipc::LineSink& sink, git::ParallelReading parallel,
                                        CommitFindingsCache* commit_cache, const JudgedCommits* judged) {
  ScanOutcome outcome;
  PushScan scan(policy, window, unread, objects, cache, commit_cache, pool, sink, parallel);
  if (auto scanned = scan.run(content, deadline, outcome, judged); !scanned) return std::unexpected(scanned.error());
  scan_tags(policy, content, outcome.findings);
  return outcome;
}

}  // namespace refguard::engine
