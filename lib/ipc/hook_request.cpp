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

Expected<Request> request_from_hook(const std::string& hook, const std::string& repo_path,
                                    const std::string& stdin_text) {
  Request request;
  request.command = hook;
  request.repo_path = repo_path;
  for (auto name : kForwardedEnv)
    if (const char* value = env(name)) request.env.emplace_back(std::string(name), value);
  add_push_options(request);
  for (auto name : kPusherVariables) {
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
