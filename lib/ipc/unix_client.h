#pragma once
// Blocking Unix-socket client with a deadline on every operation, in plain
// POSIX so the hook links nothing heavy. Not thread-safe.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/unique_fd.h"

namespace refguard::ipc {

using Deadline = std::chrono::steady_clock::time_point;

class UnixClient {
 public:
  /// Connects to a stream socket at `path`; fails with a message naming the path and errno.
  static Expected<UnixClient> connect(const std::string& path, Deadline deadline);

  Expected<void> send_all(std::string_view bytes, Deadline deadline);
  /// Reads what is available (at most `size`); 0 means the peer closed.
  Expected<size_t> read_some(char* buffer, size_t size, Deadline deadline);

 private:
  explicit UnixClient(UniqueFd fd) : fd_(std::move(fd)) {}
  Expected<void> wait_for(short events, Deadline deadline, const char* what);
  UniqueFd fd_;
};

}  // namespace refguard::ipc
