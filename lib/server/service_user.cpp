#include "server/service_user.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "server/socket_path.h"
#include "util/os_user.h"

namespace refguard::server {

namespace {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

std::optional<Account> find_account(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
  return Account{found->pw_name, found->pw_uid, found->pw_gid, found->pw_dir ? found->pw_dir : "/"};
}

// The one non-root owner of every --root, when there is one: the service user
// an admin who started the daemon as root evidently meant.
std::optional<std::string> owner_of_roots(const std::vector<std::string>& roots) {
  std::optional<uid_t> common;
  for (const auto& root : roots) {
    auto owner = owner_of(root);
    if (!owner || *owner == 0 || (common && *common != *owner)) return std::nullopt;
    common = *owner;
  }
  if (!common) return std::nullopt;
  return user_name(*common);
}

// The listening socket, bound as root, given to the user and passed on as
// systemd would pass it (fd 3, LISTEN_FDS): the acceptor takes it from there.
Expected<void> bind_socket_for(const Account& account, const std::string& path) {
  auto fd = listen_on_socket_path(path);
  if (!fd) return std::unexpected(fd.error());
  if (::chown(path.c_str(), account.uid, account.gid) != 0)
    return fail("cannot give " + path + " to " + account.name + ": " + std::strerror(errno));
  constexpr int kFirstListenFd = 3;
  if (fd->get() != kFirstListenFd && ::dup2(fd->get(), kFirstListenFd) < 0)
    return fail("cannot pass the socket on: " + std::string(std::strerror(errno)));
  if (fd->get() == kFirstListenFd) (void)fd->release();
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  return {};
}

// The state directory, created (with its parents, root's) and given to the user.
Expected<void> prepare_state_dir_for(const Account& account, const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error)) return {};
  std::filesystem::create_directories(dir, error);
  if (error) return fail("cannot create the state directory " + dir + ": " + error.message());
  if (::chown(dir.c_str(), account.uid, account.gid) != 0 || ::chmod(dir.c_str(), 0750) != 0)
    return fail("cannot give " + dir + " to " + account.name + ": " + std::strerror(errno));
  return {};
}

Expected<void> switch_to(const Account& account) {
  // Supplementary groups first (they need root), then the group, then the user:
  // the order in which no step loses the right to take the next.
  if (::initgroups(account.name.c_str(), account.gid) != 0)
    return fail("cannot set the groups of " + account.name + ": " + std::strerror(errno));
  if (::setgid(account.gid) != 0) return fail("cannot switch to group " + std::to_string(account.gid) + ": " + std::strerror(errno));
  if (::setuid(account.uid) != 0) return fail("cannot switch to user " + account.name + ": " + std::strerror(errno));
  if (::setuid(0) == 0) return fail("switched to " + account.name + " but could become root again; refusing to run");
  // libgit2 reads the user's global git config from $HOME: the service user's, not root's.
  ::setenv("HOME", account.home.c_str(), 1);
  ::unsetenv("XDG_CONFIG_HOME");
  return {};
}

}  // namespace

Expected<ServiceUser> become_service_user(const ServiceUserChoice& choice) {
  const uid_t self = ::geteuid();
  const std::string self_name = user_name(self);
  if (self != 0) {
    if (!choice.requested.empty() && choice.requested != self_name)
      return fail("--user " + choice.requested + ": refguardd runs as " + self_name +
                  " and cannot switch users; start it as " + choice.requested + " (systemctl enable --now refguard@" +
                  choice.requested + ".socket) or as root with --user");
    return ServiceUser{self_name, "running as " + self_name, false};
  }
  std::string target = choice.requested;
  std::string why = "--user";
  if (target.empty()) {
    if (auto owner = owner_of_roots(choice.roots)) {
      target = *owner;
      why = "the owner of every --root";
    }
  }
  if (target.empty() || target == "root")
    return ServiceUser{"root", "running as root: git notes are written only into repositories root owns; on a server "
                               "run one daemon per Git service user instead (systemctl enable --now refguard@git.socket)",
                       true};
  auto account = find_account(target);
  if (!account) return fail("--user " + target + ": no such user");
  if (auto made = prepare_state_dir_for(*account, choice.state_dir.empty() ? instance_state_dir(account->name)
                                                                            : choice.state_dir);
      !made)
    return std::unexpected(made.error());
  if (!choice.socket_path.empty() && !std::getenv("LISTEN_FDS"))
    if (auto bound = bind_socket_for(*account, choice.socket_path); !bound) return std::unexpected(bound.error());
  if (auto switched = switch_to(*account); !switched) return std::unexpected(switched.error());
  return ServiceUser{account->name, "started as root, switched to " + account->name + " (" + why + ")", false};
}

}  // namespace refguard::server
