#include "server/peer_access.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace refguard::server {

namespace {

std::optional<unsigned> as_number(const std::string& text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Supplementary groups of a user, looked up by name (the kernel does not pass them).
std::vector<gid_t> groups_of(uid_t uid, gid_t primary) {
  std::vector<gid_t> groups(64);
  passwd entry{};
  passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(uid, &entry, buffer, sizeof(buffer), &found) != 0 || !found) return {primary};
  int count = static_cast<int>(groups.size());
  if (getgrouplist(found->pw_name, primary, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    getgrouplist(found->pw_name, primary, groups.data(), &count);
  }
  groups.resize(static_cast<size_t>(std::max(count, 0)));
  return groups;
}

}  // namespace

Expected<PeerAccess> PeerAccess::create(const std::vector<std::string>& users, const std::vector<std::string>& groups) {
  PeerAccess access;
  char buffer[4096];
  for (const auto& user : users) {
    if (auto id = as_number(user)) {
      access.uids_.push_back(static_cast<uid_t>(*id));
      continue;
    }
    passwd entry{};
    passwd* found = nullptr;
    if (getpwnam_r(user.c_str(), &entry, buffer, sizeof(buffer), &found) != 0 || !found)
      return fail("--allow-user: no such user '" + user + "'");
    access.uids_.push_back(found->pw_uid);
  }
  for (const auto& group : groups) {
    if (auto id = as_number(group)) {
      access.gids_.push_back(static_cast<gid_t>(*id));
      continue;
    }
    struct group entry {};
    struct group* found = nullptr;
    if (getgrnam_r(group.c_str(), &entry, buffer, sizeof(buffer), &found) != 0 || !found)
      return fail("--allow-group: no such group '" + group + "'");
    access.gids_.push_back(found->gr_gid);
  }
  return access;
}

bool PeerAccess::allows(const PeerCredentials& peer) const {
  if (!restricted()) return true;
  if (std::find(uids_.begin(), uids_.end(), peer.uid) != uids_.end()) return true;
  if (gids_.empty()) return false;
  for (gid_t gid : groups_of(peer.uid, peer.gid))
    if (std::find(gids_.begin(), gids_.end(), gid) != gids_.end()) return true;
  return false;
}

std::string PeerAccess::describe() const {
  if (!restricted()) return "any local user who can open the socket";
  std::string text = "uids {";
  for (size_t i = 0; i < uids_.size(); ++i) text += (i ? "," : "") + std::to_string(uids_[i]);
  text += "} gids {";
  for (size_t i = 0; i < gids_.size(); ++i) text += (i ? "," : "") + std::to_string(gids_[i]);
  return text + "}";
}

Expected<PeerCredentials> peer_credentials(int socket_fd) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
    return fail(std::string("cannot read the client's credentials: ") + std::strerror(errno));
  return PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
}

}  // namespace refguard::server
