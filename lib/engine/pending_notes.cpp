#include "engine/pending_notes.h"

#include <fmt/format.h>

#include "git/notes.h"

namespace refguard::engine {

namespace {
constexpr auto kLifetime = std::chrono::hours(1);
constexpr size_t kMaxEntries = 10000;
}  // namespace

std::string note_line(const Finding& f) {
  std::string where = f.path + (f.where.empty() ? "" : " (" + f.where + ")") + (f.line ? fmt::format(":{}", f.line) : "");
  return fmt::format("refguard: {} [{}] {} at {}{}{}", f.bypassed ? "bypassed block" : "warning", f.rule_id,
                     f.description, where, f.masked.empty() ? "" : " " + f.masked,
                     f.detail.empty() ? "" : " — " + f.detail);
}

std::string PendingNotes::key(const std::string& git_dir, const std::string& ref, const git::ObjectId& tip) {
  return git_dir + '\n' + ref + '\n' + tip.hex();
}

void PendingNotes::expire_locked() {
  auto now = std::chrono::steady_clock::now();
  std::erase_if(entries_, [&](const auto& item) { return now - item.second.created > kLifetime; });
  while (entries_.size() > kMaxEntries) entries_.erase(entries_.begin());
}

void PendingNotes::remember(const std::string& git_dir, const std::string& notes_ref,
                            const std::vector<git::RefUpdate>& updates, const std::vector<Finding>& findings) {
  std::map<std::string, Entry> by_ref;
  for (const auto& f : findings) {
    if (f.severity == detect::Severity::kBlock && !f.bypassed) continue;
    Entry& entry = by_ref[f.ref];
    entry.notes_ref = notes_ref;
    entry.lines_by_commit[f.commit_id].push_back(note_line(f));
  }
  if (by_ref.empty()) return;
  std::lock_guard lock(mutex_);
  expire_locked();
  for (auto& [ref, entry] : by_ref)
    for (const auto& update : updates)
      if (update.ref == ref) {
        entry.created = std::chrono::steady_clock::now();
        entries_[key(git_dir, ref, update.new_id)] = entry;
      }
}

std::vector<PendingNotes::Entry> PendingNotes::take(const std::string& git_dir,
                                                   const std::vector<git::RefUpdate>& updates) {
  std::vector<Entry> landed;
  std::lock_guard lock(mutex_);
  for (const auto& update : updates) {
    auto found = entries_.find(key(git_dir, update.ref, update.new_id));
    if (found == entries_.end()) continue;
    landed.push_back(std::move(found->second));
    entries_.erase(found);
  }
  return landed;
}

PendingNotes::Written PendingNotes::write_landed(git::CachedRepository& repository,
                                                 const std::vector<git::RefUpdate>& updates) {
  Written written;
  // All the push's notes at once, per notes ref: one pack and one ref update
  // however many refs and commits the push annotated.
  std::map<std::string, std::map<git::ObjectId, std::vector<std::string>>> by_notes_ref;
  for (auto& entry : take(repository.path, updates))
    for (auto& [commit, lines] : entry.lines_by_commit) {
      auto& merged = by_notes_ref[entry.notes_ref][commit];
      merged.insert(merged.end(), lines.begin(), lines.end());  // add_notes drops repeated lines
    }
  std::lock_guard lock(repository.mutex);
  for (const auto& [notes_ref, lines_by_commit] : by_notes_ref) {
    auto added = git::add_notes(repository.repository.get(), notes_ref, lines_by_commit);
    written.notes += added.notes;
    for (auto& problem : added.problems) written.problems.push_back(std::move(problem));
  }
  return written;
}

size_t PendingNotes::discard(const std::string& git_dir, const std::vector<git::RefUpdate>& updates) {
  return take(git_dir, updates).size();
}

size_t PendingNotes::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace refguard::engine
