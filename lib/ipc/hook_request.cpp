#include "ipc/hook_request.h"

#include <cstdlib>

namespace refguard::ipc {

namespace {

const char* env(std::string_view name) { return std::getenv(std::string(name).c_str()); }

// git passes push options as GIT_PUSH_OPTION_COUNT and GIT_PUSH_OPTION_0..n-1.
void add_push_options(Request& request) {
  const char* count_text = env("GIT_PUSH_OPTION_COUNT");
  long count = count_text ? std::strtol(count_text, nullptr, 10) : 0;
  for (long i = 0; i < count && i < static_cast<long>(kMaxPushOptions); ++i)
    if (const char* option = env("GIT_PUSH_OPTION_" + std::to_string(i))) request.push_options.emplace_back(option);
}

}  // namespace

Expected<std::vector<std::string>> parse_pusher_variables(std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(", ", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(start, end - start);
    if (!name.empty()) {
      bool known = false;
      for (auto variable : kPusherVariables) known = known || variable == name;
      if (!known) return fail("'" + std::string(name) + "' is not one of REMOTE_USER, GL_USERNAME, GL_ID, GITEA_PUSHER_NAME, GL_USER");
      names.emplace_back(name);
    }
    start = end + 1;
  }
  if (names.empty()) return fail("names no variable");
  return names;
}

Expected<Request> request_from_hook(const std::string& hook, const std::string& repo_path,
                                    const std::string& stdin_text, const std::vector<std::string>& pusher_variables) {
  Request request;
  request.command = hook;
  request.repo_path = repo_path;
  for (auto name : kForwardedEnv)
    if (const char* value = env(name)) request.env.emplace_back(std::string(name), value);
  add_push_options(request);
  std::vector<std::string> names(pusher_variables);
  if (names.empty()) names.assign(kPusherVariables.begin(), kPusherVariables.end());
  for (const auto& name : names) {
    const char* value = env(name);
    if (value && *value) {
      request.pusher = value;
      request.pusher_source = name;
      break;
    }
  }
  size_t start = 0;
  while (start < stdin_text.size()) {
    size_t end = stdin_text.find('\n', start);
    if (end == std::string::npos) end = stdin_text.size();
    if (end > start) {
      auto update = parse_ref_update_line(std::string_view(stdin_text).substr(start, end - start));
      if (!update) return std::unexpected(update.error());
      request.updates.push_back(std::move(*update));
    }
    start = end + 1;
  }
  return request;
}

}  // namespace refguard::ipc
