#pragma once
// Command-line errors, the same way in `refguard` and `refguardd`: exit 0
// for --help/--version, 2 for a usage error (CLI11's own codes, 106, 109,
// ..., never leak out), with CLI11's message and a pointer to --help.
// Header-only: the daemon's main uses it without linking the CLI's library.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace refguard::cli {

/// Exit code of a usage error (the man pages say so).
inline constexpr int kUsageError = 2;

/// Parses argv into `app`. nullopt: go on and run; else the exit code
/// (help and version printed, or the error explained on stderr).
inline std::optional<int> parse_arguments(CLI::App& app, std::string_view program, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success& done) {  // --help, --version
    app.exit(done);
    return 0;
  } catch (const CLI::ParseError& error) {
    std::fputs(fmt::format("{}: {}\nRun '{} --help' for usage.\n", program, error.what(), program).c_str(), stderr);
    return kUsageError;
  }
}

/// `refguard bogus`: "unknown command bogus" and the list of commands on
/// stderr, exit 2. nullopt when the first argument is an option or a command.
inline std::optional<int> unknown_command(const CLI::App& app, std::string_view program, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  std::string word = argv[1];
  std::vector<std::string> names;
  for (const CLI::App* subcommand : app.get_subcommands({})) {
    if (subcommand->check_name(word)) return std::nullopt;
    names.push_back(subcommand->get_name());
  }
  std::fputs(fmt::format("{0}: unknown command {1}\ncommands: {2}\nRun '{0} --help' for usage.\n", program, word,
                         fmt::join(names, ", "))
                 .c_str(),
             stderr);
  return kUsageError;
}

}  // namespace refguard::cli
