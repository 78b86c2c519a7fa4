#include "engine/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "util/log.h"

namespace refguard::engine {

namespace {

std::string errno_text() { return std::strerror(errno); }

// A finding as the audit log keeps it: the secret masked, never whole.
nlohmann::json finding_record(const Finding& f) {
  return {{"id", f.id},
          {"rule", f.rule_id},
          {"severity", f.severity == detect::Severity::kBlock ? "block" : "warn"},
          {"commit", f.commit_id.hex()},
          {"ref", f.ref},
          {"path", f.path},
          {"line", f.line},
          {"secret", f.masked},
          {"detail", f.detail}};
}

// Opens (creating) the log for appending. In a state directory shared with a
// group (mode g+w: a repository pushed to by two OS users, README "smart HTTP
// beside SSH"), the log is made group-writable too, so that the inline check
// run as the other user appends to the same log.
int open_for_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fd;
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  struct stat dir_info {}, file_info {};
  if (::stat(dir.empty() ? "." : dir.c_str(), &dir_info) == 0 && (dir_info.st_mode & S_IWGRP) &&
      ::fstat(fd, &file_info) == 0 && file_info.st_uid == ::geteuid() && !(file_info.st_mode & S_IWGRP))
    ::fchmod(fd, (file_info.st_mode & 07777) | S_IRGRP | S_IWGRP);  // best effort: the log works either way
  return fd;
}

}  // namespace

AuditLog::AuditLog(std::string path, uint64_t max_bytes, int keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}

Expected<void> AuditLog::open() {
  std::lock_guard lock(mutex_);
  int fd = open_for_append(path_);
  if (fd < 0) return fail("cannot open audit log " + path_ + ": " + errno_text());
  fd_.reset(fd);
  return {};
}

Expected<void> AuditLog::rotate_locked() {
  for (int i = keep_ - 1; i >= 1; --i) {
    std::string from = fmt::format("{}.{}", path_, i), to = fmt::format("{}.{}", path_, i + 1);
    ::rename(from.c_str(), to.c_str());  // missing generations are fine
  }
  if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0)
    return fail("cannot rotate audit log " + path_ + ": " + errno_text());
  int fd = open_for_append(path_);
  if (fd < 0) return fail("cannot reopen audit log " + path_ + ": " + errno_text());
  ::flock(fd_.get(), LOCK_UN);
  fd_.reset(fd);
  while (::flock(fd_.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail("cannot lock audit log " + path_ + ": " + errno_text());
  return {};
}

// The daemon and `refguard check` (the inline fail mode) append to one log.
// O_APPEND keeps each single write(2) whole; an flock(2) around the size
// check, the rotation and the write keeps two processes from rotating twice
// or writing into a generation the other just rotated away.
Expected<void> AuditLog::append(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  if (auto opened = lock_current_file_locked(); !opened) return opened;
  struct stat info {};
  Expected<void> result = {};
  if (::fstat(fd_.get(), &info) == 0 && static_cast<uint64_t>(info.st_size) + line.size() > max_bytes_ && info.st_size > 0)
    if (auto rotated = rotate_locked(); !rotated) result = rotated;
  if (result) result = write_whole_locked(line);
  ::flock(fd_.get(), LOCK_UN);
  return result;
}

// Opens the file when needed and takes its lock; reopens when another
// process rotated it meanwhile (the path names another inode). Each retry
// means another writer wrote and rotated: a busy pair of writers on a small
// log (three tries were lost in a row under load) still gets through; only a
// path that never holds still is given up on.
Expected<void> AuditLog::lock_current_file_locked() {
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (!fd_.valid()) {
      int fd = open_for_append(path_);
      if (fd < 0) return fail("cannot open audit log " + path_ + ": " + errno_text());
      fd_.reset(fd);
    }
    while (::flock(fd_.get(), LOCK_EX) != 0)
      if (errno != EINTR) return fail("cannot lock audit log " + path_ + ": " + errno_text());
    struct stat open_file {}, named_file {};
    if (::fstat(fd_.get(), &open_file) == 0 && ::stat(path_.c_str(), &named_file) == 0 &&
        open_file.st_ino == named_file.st_ino && open_file.st_dev == named_file.st_dev)
      return {};
    ::flock(fd_.get(), LOCK_UN);
    fd_.reset();
  }
  return fail("audit log " + path_ + " keeps being replaced; record not written");
}

Expected<void> AuditLog::write_whole_locked(const std::string& line) {
  ssize_t written = ::write(fd_.get(), line.data(), line.size());
  if (written == static_cast<ssize_t>(line.size())) return {};
  std::string why = written < 0 ? errno_text() : "short write";
  // Never leave a torn record: cut back what a short write left.
  struct stat info {};
  if (written > 0 && ::fstat(fd_.get(), &info) == 0) {
    int ignored = ::ftruncate(fd_.get(), info.st_size - written);
    (void)ignored;
  }
  return fail("cannot write audit log " + path_ + ": " + why);
}

nlohmann::json audit_record(const ipc::Request& request, const CheckResult& result) {
  nlohmann::json refs = nlohmann::json::array();
  for (const auto& u : request.updates) refs.push_back({{"ref", u.ref_name}, {"old", u.old_oid}, {"new", u.new_oid}});
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : result.findings) {
    findings.push_back(finding_record(f));
    findings.back()["bypassed"] = f.bypassed;
  }
  nlohmann::json record = {
      {"time", utc_now_iso8601()},
      {"repository", result.repository.empty() ? request.repo_path : result.repository},
      {"pusher", request.pusher},
      {"pusher_source", request.pusher_source},
      {"refs", refs},
      {"verdict", result.verdict == ipc::Verdict::kAccept ? "accept" : "reject"},
      {"findings", findings},
      {"commits", result.commits},
      {"files", result.files},
      {"timed_out", result.timed_out},
      {"duration_ms", result.duration_ms()},
  };
  // Findings a `refguard:allow` on their line silenced: a bypass any pusher
  // may write, so it is on record like one.
  if (!result.silenced_inline.empty()) {
    nlohmann::json silenced = nlohmann::json::array();
    for (const auto& f : result.silenced_inline) silenced.push_back(finding_record(f));
    record["silenced_inline"] = std::move(silenced);
  }
  if (result.bypassed > 0) record["bypass"] = {{"by", request.pusher}, {"reason", result.bypass_reason},
                                               {"findings", result.bypassed}};
  if (result.import) record["import"] = true;  // checked under the import budget
  if (!result.error.empty()) record["error"] = result.error;
  return record;
}

}  // namespace refguard::engine
