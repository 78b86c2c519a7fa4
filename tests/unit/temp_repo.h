#pragma once
// Test helpers: a temporary directory removed on destruction, and a git
// repository inside one, driven through the git CLI so that what the product
// reads with libgit2 is written by real git. Header-only; every function
// throws std::runtime_error (with git's output) when a command fails, which
// Catch2 reports as a test failure.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace refguard::test {

/// Quotes `text` for /bin/sh.
inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

struct CommandResult {
  int status = -1;     // exit status, -1 when the command did not exit normally
  std::string output;  // stdout and stderr together
};

/// Runs a shell command; never throws.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "refguard-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  /// Writes `content` to `relative` (parents created) and returns its full path.
  std::string write(const std::string& relative, const std::string& content) const {
    auto full = path_ / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + full.string());
    return full.string();
  }

 private:
  std::filesystem::path path_;
};

/// A git repository (work tree on branch "main", or bare) in its own temp dir.
/// Ignores the user's and the system's git config, so tests behave alike everywhere.
class TempRepo {
 public:
  enum class Kind { kWorkTree, kBare };

  explicit TempRepo(Kind kind = Kind::kWorkTree) : dir_(), path_((dir_.path() / "repo").string()) {
    std::string flags = kind == Kind::kBare ? "--bare " : "";
    run_git("init -q " + flags + "-b main " + shell_quote(path_), /*in_repo=*/false);
  }

  /// The work tree (or, when bare, the git dir).
  const std::string& path() const { return path_; }

  /// Runs `git <args>` in the repository; returns stdout+stderr with the
  /// trailing newline removed. Throws when git fails.
  std::string git(const std::string& args) const { return run_git(args, true); }

  /// Runs `git <args>`; returns the result instead of throwing.
  CommandResult try_git(const std::string& args) const { return run_command(git_command(args, true)); }

  /// Writes a file in the work tree (parents created) without staging it.
  void write(const std::string& file, const std::string& content) const {
    auto full = std::filesystem::path(path_) / file;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + full.string());
  }

  /// Writes every file, stages everything (deletions too) and commits; returns the commit id.
  std::string commit(const std::map<std::string, std::string>& files, const std::string& message) const {
    for (const auto& [file, content] : files) write(file, content);
    git("add -A");
    git("commit -q --allow-empty -m " + shell_quote(message));
    return head();
  }

  /// Removes a file from the work tree and the index (commit() records it).
  void remove(const std::string& file) const { git("rm -q " + shell_quote(file)); }

  /// `git mv`, creating the target's directories (commit() records it).
  void move(const std::string& from, const std::string& to) const {
    std::filesystem::create_directories((std::filesystem::path(path_) / to).parent_path());
    git("mv " + shell_quote(from) + " " + shell_quote(to));
  }

  /// Creates a branch at `start` without switching to it.
  void branch(const std::string& name, const std::string& start = "HEAD") const {
    git("branch " + shell_quote(name) + " " + shell_quote(start));
  }

  void checkout(const std::string& name) const { git("checkout -q " + shell_quote(name)); }

  /// Merges `other` into the current branch with a merge commit. Returns the
  /// merge commit's id, or "" when the merge stopped on a conflict (the work
  /// tree then holds the conflict for the caller to resolve and commit()).
  std::string merge(const std::string& other, const std::string& message) const {
    auto result = try_git("merge -q --no-ff --no-edit -m " + shell_quote(message) + " " + shell_quote(other));
    if (result.status != 0) {
      if (result.output.find("CONFLICT") != std::string::npos) return "";
      throw std::runtime_error("git merge failed:\n" + result.output);
    }
    return head();
  }

  /// An annotated tag on `target`; returns the tag object's id.
  std::string tag(const std::string& name, const std::string& message, const std::string& target = "HEAD") const {
    git("tag -a " + shell_quote(name) + " -m " + shell_quote(message) + " " + shell_quote(target));
    return rev("refs/tags/" + name);
  }

  /// The full object id `spec` names.
  std::string rev(const std::string& spec) const { return git("rev-parse --verify " + shell_quote(spec)); }
  std::string head() const { return rev("HEAD"); }

  /// Copies the objects reachable from `ref` of `source` into this repository
  /// without leaving any ref behind: the objects exist, but no ref reaches
  /// them, as in a push's quarantine that has just been accepted.
  void receive_objects(const TempRepo& source, const std::string& ref) const {
    git("fetch -q --no-tags " + shell_quote(source.path()) + " " + shell_quote("+" + ref + ":refs/tmp/incoming"));
    git("update-ref -d refs/tmp/incoming");
  }

  /// Sets `ref` in this repository to an object of `source` (objects copied first).
  void fetch_ref(const TempRepo& source, const std::string& ref) const {
    git("fetch -q --no-tags " + shell_quote(source.path()) + " " + shell_quote("+" + ref + ":" + ref));
  }

 private:
  std::string git_command(const std::string& args, bool in_repo) const {
    std::string command =
        "env GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 git"
        " -c user.name=Tester -c user.email=tester@example.com -c commit.gpgsign=false -c tag.gpgsign=false"
        " -c init.defaultBranch=main -c core.autocrlf=false -c merge.conflictstyle=merge";
    if (in_repo) command += " -C " + shell_quote(path_);
    return command + " " + args;
  }

  std::string run_git(const std::string& args, bool in_repo) const {
    auto result = run_command(git_command(args, in_repo));
    if (result.status != 0)
      throw std::runtime_error("git " + args + " failed (" + std::to_string(result.status) + "):\n" + result.output);
    while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result.output;
  }

  TempDir dir_;
  std::string path_;
};

}  // namespace refguard::test
