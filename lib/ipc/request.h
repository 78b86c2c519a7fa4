#pragma once
// The request a hook sends to the daemon, its wire encoding, and the parser
// the daemon runs on it. Pure code (standard library only); the hook links it.
//
// Wire format, version 1, every line one pkt-line:
//   version 1                      (always first)
//   command pre-receive|post-receive|status
//   repo <hook working directory>
//   env <NAME>=<value>             (only the quarantine variables, see kForwardedEnv)
//   push-option <value>            (in order, GIT_PUSH_OPTION_0..n-1)
//   pusher <VAR>=<name>            (first of kPusherVariables that is set)
//   0000
//   update <old-oid> <new-oid> <refname>   (zero or more)
//   0000
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/pkt_line.h"
#include "util/error.h"

namespace refguard::ipc {

inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxUpdates = 100000;
inline constexpr size_t kMaxPushOptions = 100;

/// Environment variables the hook forwards; nothing else leaves the hook
/// (web servers put the user's password in HTTP_AUTHORIZATION).
inline constexpr std::array<std::string_view, 3> kForwardedEnv = {
    "GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"};
/// Where servers put the pusher's name, in order of preference.
inline constexpr std::array<std::string_view, 5> kPusherVariables = {
    "REMOTE_USER", "GL_USERNAME", "GL_ID", "GITEA_PUSHER_NAME", "GL_USER"};

struct RefUpdate {
  std::string old_oid;
  std::string new_oid;
  std::string ref_name;

  bool is_create() const;
  bool is_delete() const;
};

struct Request {
  std::string command;
  std::string repo_path;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> push_options;
  std::string pusher;         // empty when the server told us nothing
  std::string pusher_source;  // which variable it came from
  std::vector<RefUpdate> updates;

  /// Value of a forwarded environment variable, if present.
  std::optional<std::string> env_value(std::string_view name) const;
};

/// True for a 40- (SHA-1) or 64- (SHA-256) character lowercase hex object id.
bool is_valid_oid(std::string_view oid);
/// A conservative subset of git-check-ref-format: starts with "refs/", no
/// control characters, no "..", no "//", no "@{", no trailing "/" or ".lock".
bool is_valid_ref_name(std::string_view name);
/// Parses one line of pre-receive input: "<old> <new> <ref>".
Expected<RefUpdate> parse_ref_update_line(std::string_view line);

/// Encodes a request; fails only when a field cannot fit in a pkt-line.
Expected<std::string> encode_request(const Request& request);

/// Consumes packets of one request in order and validates each.
class RequestParser {
 public:
  enum class State { kNeedMore, kDone, kError };
  State consume(const Pkt& pkt);
  const Request& request() const { return request_; }
  Request take_request() { return std::move(request_); }
  const std::string& error() const { return error_; }

 private:
  State fail(std::string message);
  State consume_header(const std::string& line);
  State consume_update(const std::string& line);
  enum class Section { kVersion, kHeader, kUpdates, kDone };
  Section section_ = Section::kVersion;
  Request request_;
  std::string error_;
};

}  // namespace refguard::ipc
