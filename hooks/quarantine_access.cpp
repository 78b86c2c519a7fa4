#include "quarantine_access.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace refguard::hook {

std::string share_quarantine_with_group(const std::string& quarantine) {
  if (quarantine.empty()) return {};
  struct stat own {};
  if (::lstat(quarantine.c_str(), &own) != 0 || !S_ISDIR(own.st_mode) || own.st_uid != ::geteuid()) return {};
  if ((own.st_mode & (S_IRGRP | S_IXGRP)) == (S_IRGRP | S_IXGRP)) return {};
  // The quarantine sits in objects/: git made that group-writable (and setgid)
  // only if the repository is shared with its group.
  const std::string objects = quarantine.substr(0, quarantine.find_last_of('/'));
  struct stat parent {};
  if (::stat(objects.c_str(), &parent) != 0 || !(parent.st_mode & S_IWGRP) || parent.st_gid != own.st_gid) return {};
  if (::chmod(quarantine.c_str(), (own.st_mode & 07777) | S_IRGRP | S_IXGRP) != 0)
    return "cannot open the quarantine " + quarantine + " to the repository's group: " + std::strerror(errno);
  return {};
}

}  // namespace refguard::hook
