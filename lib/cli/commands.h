#pragma once
// The `refguard` admin CLI's subcommands. Each registers its options on the
// CLI11 app and returns the process exit code when run.
#include <CLI/CLI.hpp>

#include <functional>

namespace refguard::cli {

using Command = std::function<int()>;

Command add_install_command(CLI::App& app);
Command add_uninstall_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_scan_command(CLI::App& app);
Command add_policy_command(CLI::App& app);
Command add_status_command(CLI::App& app);
Command add_audit_command(CLI::App& app);

}  // namespace refguard::cli
