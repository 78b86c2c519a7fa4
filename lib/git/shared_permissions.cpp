#include "git/shared_permissions.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "git/handles.h"
#include "util/text.h"

namespace refguard::git {

// git's git_config_perm(): names first, then an octal mode that must leave the
// owner read-write; only the 0666 bits of an octal mode count.
Expected<SharedMode> parse_shared_mode(const std::string& value) {
  const std::string name = ascii_lower(value);
  if (name == "umask" || name == "false" || name == "no" || name == "off" || name == "0") return SharedMode{};
  if (name == "group" || name == "true" || name == "yes" || name == "on" || name == "1" || name.empty())
    return SharedMode{SharedMode::Kind::kAdd, 0660};
  if (name == "all" || name == "world" || name == "everybody" || name == "2") return SharedMode{SharedMode::Kind::kAdd, 0664};
  char* end = nullptr;
  const long mode = std::strtol(value.c_str(), &end, 8);
  if (end == value.c_str() || *end != '\0' || mode < 0 || mode > 07777)
    return fail("core.sharedRepository '" + value + "' is not umask, group, all or an octal mode");
  if ((mode & 0600) != 0600) return fail("core.sharedRepository " + value + " would leave the owner without read-write access");
  return SharedMode{SharedMode::Kind::kExact, static_cast<unsigned>(mode & 0666)};
}

// git's calc_shared_perm() and the setgid of adjust_shared_perm().
unsigned shared_file_mode(unsigned mode, bool directory, const SharedMode& shared) {
  if (shared.kind == SharedMode::Kind::kUmask) return mode;
  unsigned tweak = shared.bits;
  if (!(mode & S_IWUSR)) tweak &= ~0222u;          // read-only files (objects) stay read-only
  if (mode & S_IXUSR) tweak |= (tweak & 0444) >> 2;  // directories: x where r
  unsigned result = shared.kind == SharedMode::Kind::kExact ? (mode & ~0777u) | tweak : mode | tweak;
  if (directory) result |= S_ISGID;  // new entries keep the repository's group
  return result;
}

SharedMode shared_mode_of(git_repository* repository) {
  auto config = acquire_or_null<ConfigPtr>(git_repository_config_snapshot, repository);
  if (!config) return {};
  const char* value = nullptr;
  if (git_config_get_string(&value, config.get(), "core.sharedRepository") != 0 || !value) return {};
  auto parsed = parse_shared_mode(value);
  return parsed ? *parsed : SharedMode{};
}

std::vector<std::string> share_like_git(const std::string& git_dir, const SharedMode& shared,
                                        const std::vector<std::string>& relative_paths) {
  std::vector<std::string> problems;
  if (shared.kind == SharedMode::Kind::kUmask) return problems;
  for (const auto& relative : relative_paths) {
    const std::string path = git_dir + "/" + relative;
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || S_ISLNK(info.st_mode)) continue;
    const unsigned current = info.st_mode & 07777;
    const unsigned wanted = shared_file_mode(current, S_ISDIR(info.st_mode), shared);
    if (wanted != current && ::chmod(path.c_str(), wanted) != 0)
      problems.push_back("cannot chmod " + path + ": " + std::strerror(errno));
  }
  return problems;
}

}  // namespace refguard::git
