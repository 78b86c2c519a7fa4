// `refguard check`: the same check the daemon runs, in-process. The hook execs
// it when the daemon cannot be reached (refguard.failMode=inline); it reads
// the hook's stdin and environment exactly as the hook would forward them.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "engine/push_check.h"
#include "util/work_pool.h"

namespace refguard::cli {

namespace {

struct CheckOptions {
  std::string hook = "pre-receive";
  std::string config;
  std::string repo;
};

Expected<ipc::Request> request_from_environment(const CheckOptions& options) {
  ipc::Request request;
  request.command = options.hook;
  char cwd[PATH_MAX];
  request.repo_path = !options.repo.empty() ? options.repo : (::getcwd(cwd, sizeof(cwd)) ? cwd : ".");
  for (auto name : ipc::kForwardedEnv)
    if (const char* value = std::getenv(std::string(name).c_str())) request.env.emplace_back(std::string(name), value);
  if (const char* count = std::getenv("GIT_PUSH_OPTION_COUNT"))
    for (long i = 0; i < std::strtol(count, nullptr, 10) && i < 100; ++i)
      if (const char* option = std::getenv(("GIT_PUSH_OPTION_" + std::to_string(i)).c_str()))
        request.push_options.emplace_back(option);
  for (auto name : ipc::kPusherVariables)
    if (const char* value = std::getenv(std::string(name).c_str()); value && *value) {
      request.pusher = value;
      request.pusher_source = name;
      break;
    }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    if (end > start) {
      std::string why;
      auto update = ipc::parse_ref_update_line(std::string_view(input).substr(start, end - start), &why);
      if (!update) return fail("cannot read the hook input: " + why);
      request.updates.push_back(std::move(*update));
    }
    start = end + 1;
  }
  return request;
}

int run_check(const CheckOptions& options) {
  if (options.hook == "post-receive") return 0;  // post-receive work needs the daemon
  auto request = request_from_environment(options);
  if (!request) {
    std::fprintf(stderr, "refguard: %s; push rejected\n", request.error().message.c_str());
    return 1;
  }
  bool explicit_config = !options.config.empty();
  engine::PolicyStore policies(explicit_config ? options.config : engine::kDefaultSystemPolicy, explicit_config);
  if (auto loaded = policies.reload(); !loaded) {
    std::fprintf(stderr, "refguard: cannot load the policy, push rejected:\n%s\n", loaded.error().message.c_str());
    return 1;
  }
  git::RepositoryCache repositories(1);
  engine::ScanCache cache;
  WorkPool pool;
  engine::PushChecker checker(repositories, policies, cache, pool);
  auto result = checker.check(*request, [](ipc::LineKind, const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
  });
  return result.verdict == ipc::Verdict::kAccept ? 0 : 1;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  auto* command = app.add_subcommand("check", "check a push in-process, reading pre-receive input on stdin");
  command->add_option("--hook", options->hook, "hook being run")->check(CLI::IsMember({"pre-receive", "post-receive"}));
  command->add_option("--config", options->config, "system policy file");
  command->add_option("--repo", options->repo, "repository (default: the current directory, as in a hook)");
  return [options] { return run_check(*options); };
}

}  // namespace refguard::cli
