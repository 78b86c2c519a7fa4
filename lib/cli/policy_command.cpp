// `refguard policy check FILE` validates a policy file; `refguard policy show`
// prints the effective policy of a repository (every layer merged).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "engine/policy_store.h"
#include "util/path.h"
#include "git/default_branch.h"
#include "git/repository_cache.h"
#include "policy/builtin_policy.h"

namespace refguard::cli {

namespace {

struct PolicyOptions {
  std::string file;
  std::string repo;
  std::string config;
  bool as_system = false;
  bool explain = false;
};

engine::PolicyStore make_store(const std::string& config) {
  bool explicit_config = !config.empty();
  return engine::PolicyStore(explicit_config ? config : engine::kDefaultSystemPolicy, explicit_config);
}

int run_check(const PolicyOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {  // ENOENT, EACCES, EISDIR...: say which
    std::fprintf(stderr, "%s: cannot read the file: %s\n", options.file.c_str(), std::strerror(errno));
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  Expected<std::shared_ptr<const engine::CompiledPolicy>> compiled = fail("");
  if (options.as_system) {
    engine::PolicyStore store(options.file, true);
    auto loaded = store.reload();
    compiled = loaded ? Expected<std::shared_ptr<const engine::CompiledPolicy>>(store.base_policy())
                      : std::unexpected(loaded.error());
  } else {
    auto store = make_store(options.config);
    if (auto loaded = store.reload(); !loaded) {
      std::fprintf(stderr, "the system policy does not load:\n%s\n", loaded.error().message.c_str());
      return 1;
    }
    compiled = store.check_repository_layer(text.str(), options.file);
  }
  if (!compiled) {
    std::fprintf(stderr, "%s\n", compiled.error().message.c_str());
    return 1;
  }
  std::printf("%s: OK (%zu rules in effect, digest %s)\n", options.file.c_str(), (*compiled)->rules().size(),
              (*compiled)->digest().c_str());
  for (const auto& note : (*compiled)->notes()) std::printf("note: %s\n", note.c_str());
  return 0;
}

int run_show(const PolicyOptions& options) {
  auto store = make_store(options.config);
  if (auto loaded = store.reload(); !loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  std::shared_ptr<const engine::CompiledPolicy> policy = store.base_policy();
  if (!options.repo.empty()) {
    auto repository = git::open_repository(options.repo);
    if (!repository) {
      std::fprintf(stderr, "%s\n", repository.error().message.c_str());
      return 1;
    }
    auto committed = git::read_default_branch_file((*repository)->repository.get(), engine::kCommittedPolicyFile);
    auto git_dir = canonical_path((*repository)->path);
    auto load = store.for_repository(git_dir ? *git_dir : (*repository)->path, committed ? *committed : std::nullopt);
    for (const auto& warning : load.warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    policy = load.policy;
  }
  std::printf("%s", policy->to_toml(options.explain).c_str());
  return 0;
}

}  // namespace

Command add_policy_command(CLI::App& app) {
  auto options = std::make_shared<PolicyOptions>();
  auto* command = app.add_subcommand("policy", "validate or show policies");
  command->require_subcommand(1);
  auto* check = command->add_subcommand("check", "validate a policy file (as a repository policy by default)");
  check->add_option("file", options->file, "policy file")->required();
  check->add_option("--config", options->config, "system policy it is layered on");
  check->add_flag("--system", options->as_system, "validate it as the system policy");
  auto* show = command->add_subcommand("show", "print the effective policy");
  show->add_option("--repo", options->repo, "repository whose policy layers to include");
  show->add_option("--config", options->config, "system policy file");
  show->add_flag("--explain", options->explain,
                 "name the layer (file:line) each value comes from, and who may bypass what");
  return [options, check] { return check->parsed() ? run_check(*options) : run_show(*options); };
}

}  // namespace refguard::cli
