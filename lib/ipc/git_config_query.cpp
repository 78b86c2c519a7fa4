#include "ipc/git_config_query.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.h"

extern char** environ;

namespace refguard::ipc {

namespace {

// posix_spawn's list of what to do with the child's descriptors, destroyed with its scope.
class SpawnFileActions {
 public:
  SpawnFileActions() { ::posix_spawn_file_actions_init(&actions_); }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// A spawned child, reaped exactly once: by wait(), or by the destructor on an
// early return, so that no path leaves a zombie behind.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess() {
    if (pid_ > 0) wait();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The raw waitpid status.
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

// The environment git config runs in: the hook's, for what receive-pack sees
// (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT, GIT_CONFIG_GLOBAL, HOME,
// XDG_CONFIG_HOME, ...), with two changes:
// - no GIT_CONFIG: `git config` alone reads it (as if it were --file);
//   receive-pack ignores it.
// - GIT_DIR=".": receive-pack enters the repository as `cd GIT_DIR` and
//   GIT_DIR=. (its hooks inherit both), and includeIf "gitdir:" matches that
//   path as written: "gitdir:/srv/app.git/" matches "/srv/app.git/." but not
//   "/srv/app.git". So the child gets the same, even where the hook was not
//   started by git.
char git_dir_here[] = "GIT_DIR=.";  // not const: an environment is an array of char*

std::vector<char*> child_environment() {
  std::vector<char*> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    if (!text.starts_with("GIT_CONFIG=") && !text.starts_with("GIT_DIR=")) env.push_back(*entry);
  }
  env.push_back(git_dir_here);
  env.push_back(nullptr);
  return env;
}

// Reads `fd` to its end, or up to `limit` + 1 bytes: more than `limit` means too much.
Expected<std::string> read_bounded(int fd, size_t limit) {
  std::string out;
  char buffer[4096];
  while (out.size() <= limit) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail(std::string("cannot read git's output: ") + std::strerror(errno));
    if (got == 0) return out;
    out.append(buffer, static_cast<size_t>(got));
  }
  return fail("git config printed more than " + std::to_string(limit >> 10) + " KiB");
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "git config was killed by signal " + std::to_string(WTERMSIG(status));
  return "git config exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::vector<GitConfigEntry> parse_git_config_listing(std::string_view listing) {
  std::vector<GitConfigEntry> entries;
  while (!listing.empty()) {
    size_t end = listing.find('\0');
    std::string_view entry = listing.substr(0, end);
    listing = end == std::string_view::npos ? std::string_view() : listing.substr(end + 1);
    size_t newline = entry.find('\n');
    if (newline == std::string_view::npos) entries.push_back({std::string(entry), std::nullopt});
    else entries.push_back({std::string(entry.substr(0, newline)), std::string(entry.substr(newline + 1))});
  }
  return entries;
}

Expected<std::string> run_git_config_query(const GitConfigQuery& query) {
  int pipe_fds[2];
  // Close-on-exec, so that the child keeps only the copy dup2 makes on its stdout.
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fail(std::string("cannot make a pipe: ") + std::strerror(errno));
  UniqueFd from_git(pipe_fds[0]);
  UniqueFd to_us(pipe_fds[1]);

  SpawnFileActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), to_us.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_addchdir_np(actions.get(), query.git_dir.c_str());
  std::vector<std::string> args = {query.git, "config", "-z", "--includes", "--get-regexp", query.key_pattern};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> env = child_environment();

  pid_t pid = -1;
  // posix_spawnp reports a failed chdir or exec (git not on PATH) as its own return value.
  if (int error = ::posix_spawnp(&pid, query.git.c_str(), actions.get(), nullptr, argv.data(), env.data()))
    return fail("cannot run " + query.git + " in " + query.git_dir + ": " + std::strerror(error));
  ChildProcess child(pid);
  to_us.reset();  // our copy of the write end: without closing it, the read never sees the end

  auto listing = read_bounded(from_git.get(), kMaxGitConfigListing);
  from_git.reset();  // a git still writing after too much output gets SIGPIPE instead of blocking
  int status = child.wait();
  if (!listing) return listing;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return listing;
  // Exit status 1 with nothing printed is git's "no key matched".
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && listing->empty()) return std::string();
  return fail(describe_exit(status));
}

}  // namespace refguard::ipc
