#include "ipc/request.h"

#include <algorithm>

namespace refguard::ipc {

namespace {

bool is_all_zero(std::string_view oid) {
  return !oid.empty() && std::all_of(oid.begin(), oid.end(), [](char c) { return c == '0'; });
}

// Splits "key rest" at the first space; the key may not be empty.
bool split_key(const std::string& line, std::string_view* key, std::string_view* rest) {
  size_t space = line.find(' ');
  if (space == 0 || space == std::string::npos) return false;
  *key = std::string_view(line).substr(0, space);
  *rest = std::string_view(line).substr(space + 1);
  return true;
}

bool contains_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

template <size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool RefUpdate::is_create() const { return is_all_zero(old_oid); }
bool RefUpdate::is_delete() const { return is_all_zero(new_oid); }

std::optional<std::string> Request::env_value(std::string_view name) const {
  for (const auto& [key, value] : env)
    if (key == name) return value;
  return std::nullopt;
}

bool is_valid_oid(std::string_view oid) {
  if (oid.size() != 40 && oid.size() != 64) return false;
  return std::all_of(oid.begin(), oid.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_valid_ref_name(std::string_view name) {
  if (name.size() < 6 || name.size() > 4096 || name.substr(0, 5) != "refs/") return false;
  if (contains_control(name)) return false;
  for (std::string_view bad : {"..", "//", "@{", "/.", "\\", " ", "~", "^", ":", "?", "*", "["})
    if (name.find(bad) != std::string_view::npos) return false;
  if (name.back() == '/' || name.back() == '.') return false;
  if (name.size() >= 5 && name.substr(name.size() - 5) == ".lock") return false;
  return true;
}

Expected<RefUpdate> parse_ref_update_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  size_t first = line.find(' ');
  size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) {
    return fail("ref update must be '<old-oid> <new-oid> <refname>'");
  }
  RefUpdate update{std::string(line.substr(0, first)),
                   std::string(line.substr(first + 1, second - first - 1)),
                   std::string(line.substr(second + 1))};
  if (!is_valid_oid(update.old_oid) || !is_valid_oid(update.new_oid) ||
      update.old_oid.size() != update.new_oid.size()) {
    return fail("ref update has an invalid object id");
  }
  if (!is_valid_ref_name(update.ref_name)) {
    return fail("ref update has an invalid ref name");
  }
  return update;
}

Expected<std::string> encode_request(const Request& request) {
  std::string out;
  bool ok = append_pkt(out, "version " + std::to_string(kProtocolVersion)) &&
            append_pkt(out, "command " + request.command);
  if (!request.repo_path.empty()) ok = ok && append_pkt(out, "repo " + request.repo_path);
  for (const auto& [name, value] : request.env) ok = ok && append_pkt(out, "env " + name + "=" + value);
  for (const auto& option : request.push_options) ok = ok && append_pkt(out, "push-option " + option);
  if (!request.pusher.empty())
    ok = ok && append_pkt(out, "pusher " + request.pusher_source + "=" + request.pusher);
  append_flush(out);
  for (const auto& u : request.updates)
    ok = ok && append_pkt(out, "update " + u.old_oid + " " + u.new_oid + " " + u.ref_name);
  append_flush(out);
  if (!ok) {
    return fail("a request field is longer than a pkt-line can carry");
  }
  return out;
}

RequestParser::State RequestParser::fail(std::string message) {
  error_ = std::move(message);
  section_ = Section::kDone;
  return State::kError;
}

RequestParser::State RequestParser::consume(const Pkt& pkt) {
  if (!error_.empty()) return State::kError;
  switch (section_) {
    case Section::kVersion: {
      if (pkt.flush || pkt.payload.rfind("version ", 0) != 0)
        return fail("protocol error: the first packet must be 'version N'");
      std::string version = pkt.payload.substr(8);
      if (version != std::to_string(kProtocolVersion))
        return fail("protocol error: unsupported protocol version '" + version.substr(0, 16) +
                    "' (this daemon speaks " + std::to_string(kProtocolVersion) + ")");
      section_ = Section::kHeader;
      return State::kNeedMore;
    }
    case Section::kHeader:
      if (pkt.flush) {
        if (request_.command.empty()) return fail("protocol error: request has no 'command'");
        if (request_.repo_path.empty() && request_.command != "status")
          return fail("protocol error: request has no 'repo'");
        section_ = Section::kUpdates;
        return State::kNeedMore;
      }
      return consume_header(pkt.payload);
    case Section::kUpdates:
      if (pkt.flush) {
        section_ = Section::kDone;
        return State::kDone;
      }
      return consume_update(pkt.payload);
    case Section::kDone:
      return fail("protocol error: data after the end of the request");
  }
  return fail("protocol error: internal parser state");
}

RequestParser::State RequestParser::consume_header(const std::string& line) {
  std::string_view key, rest;
  if (!split_key(line, &key, &rest)) return fail("protocol error: malformed header line");
  if (key == "update") return fail("protocol error: 'update' before the end of the header");
  if (contains_control(rest)) return fail("protocol error: control character in '" + std::string(key) + "'");
  if (key == "command") {
    if (!request_.command.empty()) return fail("protocol error: duplicate 'command'");
    if (rest != "pre-receive" && rest != "post-receive" && rest != "status")
      return fail("protocol error: unknown command '" + std::string(rest.substr(0, 32)) + "'");
    request_.command = rest;
  } else if (key == "repo") {
    if (!request_.repo_path.empty()) return fail("protocol error: duplicate 'repo'");
    if (rest.empty() || rest.front() != '/') return fail("protocol error: 'repo' must be an absolute path");
    request_.repo_path = rest;
  } else if (key == "env") {
    size_t eq = rest.find('=');
    std::string_view name = rest.substr(0, eq);
    if (eq == std::string_view::npos || !is_one_of(name, kForwardedEnv))
      return fail("protocol error: environment variable '" + std::string(name.substr(0, 64)) +
                  "' is not accepted");
    if (request_.env_value(name)) return fail("protocol error: duplicate env " + std::string(name));
    request_.env.emplace_back(std::string(name), std::string(rest.substr(eq + 1)));
  } else if (key == "push-option") {
    if (request_.push_options.size() >= kMaxPushOptions)
      return fail("protocol error: more than " + std::to_string(kMaxPushOptions) + " push options");
    request_.push_options.emplace_back(rest);
  } else if (key == "pusher") {
    size_t eq = rest.find('=');
    std::string_view source = rest.substr(0, eq);
    if (eq == std::string_view::npos || !is_one_of(source, kPusherVariables))
      return fail("protocol error: pusher must come from one of the known server variables");
    if (!request_.pusher_source.empty()) return fail("protocol error: duplicate 'pusher'");
    // The hook sends only a non-empty name (encode_request omits an empty one).
    if (eq + 1 == rest.size()) return fail("protocol error: empty pusher name");
    request_.pusher_source = source;
    request_.pusher = rest.substr(eq + 1);
  } else {
    return fail("protocol error: unknown header '" + std::string(key.substr(0, 32)) + "'");
  }
  return State::kNeedMore;
}

RequestParser::State RequestParser::consume_update(const std::string& line) {
  if (line.rfind("update ", 0) != 0) return fail("protocol error: expected 'update' or flush after the header");
  if (request_.updates.size() >= kMaxUpdates)
    return fail("protocol error: more than " + std::to_string(kMaxUpdates) + " ref updates");
  auto update = parse_ref_update_line(std::string_view(line).substr(7));
  if (!update) return fail("protocol error: " + update.error().message);
  request_.updates.push_back(std::move(*update));
  return State::kNeedMore;
}

}  // namespace refguard::ipc
