// refguard: the admin CLI. A thin main over lib/: each subcommand lives in
// its own file under lib/cli/.
#include <cstdio>
#include <exception>
#include <vector>

#include "cli/commands.h"

// A function-try-block: CLI11 and the commands' set-up throw too, not only command().
int main(int argc, char** argv) try {
  using namespace refguard::cli;
  CLI::App app{"refguard: guard git pushes that touch AI code"};
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
  CLI11_PARSE(app, argc, argv);
  for (auto& [subcommand, command] : commands)
    if (subcommand->parsed()) return command();
  return 2;
} catch (const std::exception& error) {
  std::fprintf(stderr, "refguard: %s\n", error.what());
  return 2;
}
