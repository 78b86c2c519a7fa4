// refguard: the admin CLI. A thin main over lib/: each subcommand lives in
// its own file under lib/cli/, and lib/cli/usage.h maps CLI11's errors to
// the exit codes the man page promises.
#include <cstdio>
#include <exception>
#include <vector>

#include "cli/commands.h"
#include "cli/usage.h"
#include "engine/prefilter_disk_cache.h"
#include "util/version.h"

// A function-try-block: CLI11 and the commands' set-up throw too, not only command().
int main(int argc, char** argv) try {
  using namespace refguard::cli;
  CLI::App app{"refguard: guard git pushes that touch AI code"};
  app.set_version_flag("--version", refguard::version_line("refguard"));
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Command>> commands;
  auto add = [&](Command (*factory)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    Command command = factory(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(command));
  };
  add(add_install_command);
  add(add_uninstall_command);
  add(add_check_command);
  add(add_scan_command);
  add(add_policy_command);
  add(add_status_command);
  add(add_audit_command);
  if (auto unknown = unknown_command(app, "refguard", argc, argv)) return *unknown;
  if (auto done = parse_arguments(app, "refguard", argc, argv)) return *done;
  // A policy's one-pass database compiled by an earlier run is loaded, not compiled again.
  refguard::engine::set_prefilter_disk_cache(refguard::engine::default_prefilter_disk_cache());
  for (auto& [subcommand, command] : commands)
    if (subcommand->parsed()) return command();
  return kUsageError;
} catch (const std::exception& error) {
  std::fprintf(stderr, "refguard: %s\n", error.what());
  return 2;
}
