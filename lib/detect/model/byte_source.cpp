#include "detect/model/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace refguard::detect::model {

size_t MemorySource::read(uint64_t offset, void* out, size_t n) const {
  if (offset >= bytes_.size()) return 0;
  size_t count = std::min<uint64_t>(n, bytes_.size() - offset);
  std::memcpy(out, bytes_.data() + offset, count);
  return count;
}

Expected<FileSource> FileSource::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + path + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return fail("cannot stat " + path + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return fail(path + " is not a regular file");
  return FileSource(std::move(fd), static_cast<uint64_t>(info.st_size));
}

size_t FileSource::read(uint64_t offset, void* out, size_t n) const {
  if (offset >= size_) return 0;
  n = std::min<uint64_t>(n, size_ - offset);
  auto* bytes = static_cast<char*>(out);
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_.get(), bytes + done, n - done, static_cast<off_t>(offset + done));
    if (got > 0) {
      done += static_cast<size_t>(got);
    } else if (got == 0 || errno != EINTR) {
      break;  // end of file (it shrank) or an I/O error: a short read, which callers treat as truncation
    }
  }
  return done;
}

SliceSource::SliceSource(const ByteSource& base, uint64_t offset, uint64_t size)
    : base_(base),
      offset_(std::min(offset, base.size())),
      size_(std::min(size, base.size() - std::min(offset, base.size()))) {}

size_t SliceSource::read(uint64_t offset, void* out, size_t n) const {
  if (offset >= size_) return 0;
  return base_.read(offset_ + offset, out, std::min<uint64_t>(n, size_ - offset));
}

}  // namespace refguard::detect::model
