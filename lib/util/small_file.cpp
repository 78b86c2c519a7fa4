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

Expected<void> write_file_atomically(const std::string& path, std::string_view bytes, unsigned mode) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) return fail("cannot write " + temporary + ": " + std::strerror(errno));
  for (size_t done = 0; done < bytes.size();) {
    ssize_t wrote = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      std::string why = std::strerror(errno);
      ::unlink(temporary.c_str());
      return fail("cannot write " + temporary + ": " + why);
    }
    done += static_cast<size_t>(wrote);
  }
  if (::fsync(fd.get()) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    return fail("cannot save " + path + ": " + why);
  }
  return {};
}

}  // namespace refguard
