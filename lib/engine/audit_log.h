#pragma once
// The append-only audit log: one JSON object per line, one line per push
// decision. Each record is written with a single write(2) on an O_APPEND
// descriptor under an flock(2), so a crash or SIGKILL never leaves half a
// record and writers (the daemon and inline checks, in other processes)
// never interleave; readers skip a torn tail line if the machine lost power.
// Rotated by size (audit.jsonl -> audit.jsonl.1 -> ...). Records hold masked
// secrets only, and nothing from the hook's environment but the pusher's name.
// Thread-safe.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>

#include "engine/check_result.h"
#include "ipc/request.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace refguard::engine {

/// The audit log in a state directory: the daemon and `refguard check` share it.
inline std::string audit_log_in(const std::string& state_dir) { return state_dir + "/audit.jsonl"; }

class AuditLog {
 public:
  AuditLog(std::string path, uint64_t max_bytes = 64u << 20, int keep = 5);

  /// Opens (creating) the file; the daemon reports a failure but keeps serving.
  Expected<void> open();
  Expected<void> append(const nlohmann::json& record);
  const std::string& path() const { return path_; }

 private:
  Expected<void> rotate_locked();
  Expected<void> lock_current_file_locked();
  Expected<void> write_whole_locked(const std::string& line);
  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  std::mutex mutex_;
  UniqueFd fd_;
};

/// The record for one push decision.
nlohmann::json audit_record(const ipc::Request& request, const CheckResult& result);

}  // namespace refguard::engine
