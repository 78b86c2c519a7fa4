#include "engine/audit_log.h"

#include <fcntl.h>
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
}  // namespace

AuditLog::AuditLog(std::string path, uint64_t max_bytes, int keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}

Expected<void> AuditLog::open() {
  std::lock_guard lock(mutex_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
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
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fail("cannot reopen audit log " + path_ + ": " + errno_text());
  fd_.reset(fd);
  return {};
}

Expected<void> AuditLog::append(const nlohmann::json& record) {
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  if (!fd_.valid()) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return fail("cannot open audit log " + path_ + ": " + errno_text());
    fd_.reset(fd);
  }
  struct stat info {};
  if (::fstat(fd_.get(), &info) == 0 && static_cast<uint64_t>(info.st_size) + line.size() > max_bytes_ && info.st_size > 0)
    if (auto rotated = rotate_locked(); !rotated) return rotated;
  ssize_t written = ::write(fd_.get(), line.data(), line.size());
  if (written == static_cast<ssize_t>(line.size())) return {};
  std::string why = written < 0 ? errno_text() : "short write";
  // Never leave a torn record: cut back what a short write left.
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
  for (const auto& f : result.findings)
    findings.push_back({{"id", f.id},
                        {"rule", f.rule_id},
                        {"severity", f.severity == detect::Severity::kBlock ? "block" : "warn"},
                        {"commit", f.commit_id.hex()},
                        {"ref", f.ref},
                        {"path", f.path},
                        {"line", f.line},
                        {"secret", f.masked},
                        {"detail", f.detail},
                        {"bypassed", f.bypassed}});
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
      {"duration_ms", result.duration_ms},
  };
  if (result.bypassed > 0) record["bypass"] = {{"by", request.pusher}, {"reason", result.bypass_reason},
                                               {"findings", result.bypassed}};
  if (!result.error.empty()) record["error"] = result.error;
  return record;
}

}  // namespace refguard::engine
