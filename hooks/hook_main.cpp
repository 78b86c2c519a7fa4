// refguard-hook: the thin pre-receive / post-receive hook. It forwards the
// pushed ref updates, the quarantine variables and the pusher's identity to
// refguardd, prints the daemon's lines, and exits 0 (accept) or 1 (reject).
// Links only the standard library and refguard's protocol code; its settings
// come from running `git config` (ipc/hook_config.h says why).
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "daemon_call.h"
#include "fail_mode.h"
#include "quarantine_access.h"
#include "ipc/hook_config.h"
#include "ipc/hook_request.h"
#include "ipc/request.h"
#include "util/version.h"

namespace {

using namespace refguard;

constexpr size_t kMaxStdin = 64u << 20;

std::string base_name(const char* path) {
  std::string text(path);
  return text.substr(text.rfind('/') + 1);
}

// The hook is installed under its git name, called as `refguard-hook pre-receive`,
// or run by a multi-hook layout: NAME.d/refguard (Gitea, GitLab) or
// NAME.h00-refguard (gitolite's repo-specific hooks).
std::string hook_name(int argc, char** argv) {
  std::string path = "/" + std::string(argv[0]);
  std::string name = base_name(argv[0]);
  if (name == "pre-receive" || name == "post-receive") return name;
  if (argc > 1) return argv[1];
  for (std::string hook : {"pre-receive", "post-receive"})
    if (name.starts_with(hook + ".") || path.ends_with("/" + hook + ".d/" + name)) return hook;
  return {};
}

std::string current_directory() {
  char buffer[PATH_MAX];
  return ::getcwd(buffer, sizeof(buffer)) ? std::string(buffer) : std::string();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--version") {
    std::printf("%s\n", version_line("refguard-hook").c_str());
    return 0;
  }
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::printf("usage: refguard-hook pre-receive|post-receive (or install it under that name), refguard-hook --version\n"
                "Forwards a push to refguardd; see refguard-hook(1).\n");
    return 0;
  }
  std::string hook = hook_name(argc, argv);
  if (hook != "pre-receive" && hook != "post-receive") {
    std::fprintf(stderr, "usage: refguard-hook pre-receive|post-receive (or install it under that name), "
                         "refguard-hook --version\n");
    return 2;
  }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  int reject = hook == "pre-receive" ? 1 : 0;
  if (input.size() > kMaxStdin) {
    std::fprintf(stderr, "refguard: push has more ref updates than refguard accepts; rejected\n");
    return reject;
  }
  // Settings first: they say which variable names the pusher on this server.
  const std::string repo_path = current_directory();
  ipc::HookConfig config = ipc::load_hook_config(repo_path);
  if (!config.problems.empty()) std::fprintf(stderr, "refguard: config: %s\n", config.problems.c_str());
  auto built = ipc::request_from_hook(hook, repo_path, input, config.pusher_variables);
  if (!built) {
    std::fprintf(stderr, "refguard: cannot read the hook input from git (%s); rejected\n",
                 built.error().message.c_str());
    return reject;
  }
  ipc::Request& request = *built;
  if (hook == "pre-receive")
    if (const char* quarantine = std::getenv("GIT_QUARANTINE_PATH"))
      if (auto problem = hook::share_quarantine_with_group(quarantine); !problem.empty())
        std::fprintf(stderr, "refguard: %s\n", problem.c_str());
  auto encoded = ipc::encode_request(request);
  if (!encoded) {
    std::fprintf(stderr, "refguard: %s; rejected\n", encoded.error().message.c_str());
    return reject;
  }
  hook::DaemonAnswer answer = hook::call_daemon(config, *encoded);
  if (answer.verdict) return *answer.verdict == ipc::Verdict::kAccept ? 0 : reject;
  return hook::follow_fail_mode(config, hook, answer.failure, input);
}
