#include "util/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.h"

namespace refguard {

Expected<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes,
                                                     std::string_view what) {
  // O_NONBLOCK: a FIFO put where a file belongs never blocks the reader
  // (without a writer it reads as empty); regular files ignore it.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  auto too_large = [&] { return fail(fmt::format("{}: {} is larger than {} MiB", path, what, max_bytes >> 20)); };
  std::string text;
  struct stat status {};
  if (::fstat(fd.get(), &status) == 0 && S_ISREG(status.st_mode)) {
    // Refused from its size, before a byte is read.
    if (static_cast<uint64_t>(status.st_size) > max_bytes) return too_large();
    text.reserve(static_cast<size_t>(status.st_size));
  }
  char buffer[64 * 1024];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > max_bytes) return too_large();  // it grew since, or is no regular file
  }
  return std::optional<std::string>(std::move(text));
}

}  // namespace refguard
