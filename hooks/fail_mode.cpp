#include "fail_mode.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace refguard::hook {

namespace {

void say(const std::string& text) { std::fprintf(stderr, "refguard: %s\n", text.c_str()); }

// refguard.cli (`refguard install` records it), else the CLI beside this
// executable (a build tree), else where the package installs it: the hook
// lives in /usr/lib/refguard, the CLI in /usr/bin.
std::string cli_path(const ipc::HookConfig& config) {
  if (!config.cli_path.empty()) return config.cli_path;
  char self[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length > 0) {
    std::string path(self, static_cast<size_t>(length));
    std::string beside = path.substr(0, path.rfind('/') + 1) + "refguard";
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return REFGUARD_INSTALLED_CLI;
}

// Runs `refguard check --hook NAME [--config FILE]`, feeding it the hook's stdin.
int run_inline(const ipc::HookConfig& config, const std::string& hook_name, const std::string& stdin_text) {
  std::string cli = cli_path(config);
  std::vector<std::string> args = {cli, "check", "--hook", hook_name};
  if (!config.policy_path.empty()) args.insert(args.end(), {"--config", config.policy_path});
  if (!config.audit_log.empty()) args.insert(args.end(), {"--audit-log", config.audit_log});
  if (!config.pusher_from.empty()) args.insert(args.end(), {"--pusher-from", config.pusher_from});
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // git shows hook stderr and stdout alike
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "refguard: cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[0]);
  std::signal(SIGPIPE, SIG_IGN);
  for (size_t done = 0; done < stdin_text.size();) {
    ssize_t wrote = ::write(pipe_fds[1], stdin_text.data() + done, stdin_text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    done += static_cast<size_t>(wrote);
  }
  ::close(pipe_fds[1]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1)) return WEXITSTATUS(status);
  return -1;
}

}  // namespace

int follow_fail_mode(const ipc::HookConfig& config, const std::string& hook_name, const std::string& why,
                     const std::string& stdin_text) {
  bool pre = hook_name == "pre-receive";
  say("daemon gave no verdict (" + why + ")");
  if (!pre) {
    say("post-receive work skipped; the push has already landed");
    return 0;
  }
  switch (config.fail_mode) {
    case ipc::FailMode::kAccept:
      say("refguard.failMode=accept: push accepted WITHOUT a check");
      return 0;
    case ipc::FailMode::kReject:
      say("refguard.failMode=reject: push rejected; try again later or ask your server admin");
      return 1;
    case ipc::FailMode::kInline: {
      say("refguard.failMode=inline: checking in-process instead");
      int code = run_inline(config, hook_name, stdin_text);
      if (code == 0 || code == 1) return code;
      say("the in-process check failed too: push rejected");
      return 1;
    }
  }
  return 1;
}

}  // namespace refguard::hook
