// `refguard check`: the same check the daemon runs, in-process. The hook execs
// it when the daemon cannot be reached (refguard.failMode=inline); it reads
// the hook's stdin and environment exactly as the hook would forward them.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "engine/audit_log.h"
#include "engine/push_pipeline.h"
#include "ipc/hook_request.h"
#include "util/os_user.h"
#include "util/work_pool.h"

namespace refguard::cli {

namespace {

struct CheckOptions {
  std::string hook = "pre-receive";
  std::string config;
  std::string repo;
  std::string state_dir;   // "" = the state directory of the repository owner's daemon
  std::string audit_log;  // "" = the state directory's, as the daemon's
  std::string pusher_from;  // refguard.pusherFrom, as the hook passes it
};

Expected<ipc::Request> request_from_environment(const CheckOptions& options) {
  char cwd[PATH_MAX];
  std::string repo = !options.repo.empty() ? options.repo : (::getcwd(cwd, sizeof(cwd)) ? cwd : ".");
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::vector<std::string> pusher_variables;
  if (!options.pusher_from.empty()) {
    auto names = ipc::parse_pusher_variables(options.pusher_from);
    if (!names) return fail("--pusher-from " + names.error().message);
    pusher_variables = std::move(*names);
  }
  auto request = ipc::request_from_hook(options.hook, repo, input, pusher_variables);
  if (!request) return fail("cannot read the hook input: " + request.error().message);
  return std::move(*request);
}

// The daemon that would have checked this push runs as the repository's owner
// (refguard@OWNER), so its state directory is the owner's, whoever pushes.
std::string state_dir_of(const CheckOptions& options, const std::string& repo) {
  if (!options.state_dir.empty()) return options.state_dir;
  auto owner = owner_of(repo);
  return owner ? instance_state_dir(user_name(*owner)) : default_state_dir();
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
  WorkPool pool(WorkPool::threads_beside_caller());
  engine::PushPipeline pipeline(repositories, policies, cache, pool);
  // The same audit log as the daemon's: its records never interleave with
  // ours (engine/audit_log.h), so an admin reads one history of decisions.
  engine::AuditLog audit(options.audit_log.empty() ? engine::audit_log_in(state_dir_of(options, request->repo_path))
                                                   : options.audit_log);
  engine::PushEffects effects;
  effects.audit = &audit;
  auto result = pipeline.check_push(*request, [](ipc::LineKind, const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
  }, effects);
  return result.accepted() ? 0 : 1;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  auto* command = app.add_subcommand("check", "check a push in-process, reading pre-receive input on stdin");
  command->add_option("--hook", options->hook, "hook being run")->check(CLI::IsMember({"pre-receive", "post-receive"}));
  command->add_option("--config", options->config, "system policy file");
  command->add_option("--repo", options->repo, "repository (default: the current directory, as in a hook)");
  command->add_option("--state-dir", options->state_dir, "the daemon's state directory (its audit log is written; default: "
                      "/var/lib/refguard/OWNER, OWNER owning the repository)");
  command->add_option("--audit-log", options->audit_log, "audit log file (default: STATE_DIR/audit.jsonl)");
  command->add_option("--pusher-from", options->pusher_from,
                      "variables that name the pusher, in order (git config refguard.pusherFrom, e.g. GL_USER)");
  return [options] { return run_check(*options); };
}

}  // namespace refguard::cli
