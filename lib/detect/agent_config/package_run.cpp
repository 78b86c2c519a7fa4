#include "detect/agent_config/package_run.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "detect/agent_config/command_line.h"

namespace refguard::detect::agent_config {

namespace {

enum class Ecosystem { kNpm, kPython };

// How a runner's command line names packages. Options in `value_flags` consume
// the next argument; `source_flags` name the package instead of the first
// positional argument (which is then only the binary to run); `extra_flags`
// add packages next to it.
struct Grammar {
  std::span<const std::string_view> value_flags;
  std::span<const std::string_view> source_flags;
  std::span<const std::string_view> extra_flags;
};

constexpr std::array<std::string_view, 12> kNpmValueFlags = {
    "-p",      "--package",    "-c",       "--call", "--node-options", "--registry",
    "--cache", "--userconfig", "--prefix", "-w",     "--workspace",    "--script-shell"};
constexpr std::array<std::string_view, 2> kNpmSourceFlags = {"-p", "--package"};
constexpr std::array<std::string_view, 22> kUvValueFlags = {"--from",
                                                            "--with",
                                                            "-w",
                                                            "--with-editable",
                                                            "--with-requirements",
                                                            "--python",
                                                            "-p",
                                                            "--index",
                                                            "--default-index",
                                                            "--index-url",
                                                            "-i",
                                                            "--extra-index-url",
                                                            "--find-links",
                                                            "-f",
                                                            "--env-file",
                                                            "--directory",
                                                            "--project",
                                                            "--config-file",
                                                            "--cache-dir",
                                                            "--constraint",
                                                            "-c",
                                                            "--exclude-newer"};
constexpr std::array<std::string_view, 1> kUvSourceFlags = {"--from"};
constexpr std::array<std::string_view, 2> kUvExtraFlags = {"--with", "-w"};

constexpr Grammar kNpmGrammar{kNpmValueFlags, kNpmSourceFlags, {}};
constexpr Grammar kUvGrammar{kUvValueFlags, kUvSourceFlags, kUvExtraFlags};

bool one_of(std::string_view text, std::span<const std::string_view> set) {
  return std::find(set.begin(), set.end(), text) != set.end();
}

bool is_local_path(std::string_view spec) {
  return spec.starts_with('.') || spec.starts_with('/') || spec.starts_with('~') || spec.starts_with("file:") ||
         (spec.size() > 2 && spec[1] == ':' && (spec[2] == '\\' || spec[2] == '/'));
}

bool is_hex_commit(std::string_view text) {
  return text.size() >= 7 && text.size() <= 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1.2.3", "v1.2.3", "1.2.3-beta.1", "1.2.3+build": one exact release, not a range or tag.
bool is_exact_semver(std::string_view version) {
  if (version.starts_with('v')) version.remove_prefix(1);
  size_t suffix = version.find_first_of("-+");
  std::string_view core = version.substr(0, suffix);
  size_t first = core.find('.');
  size_t second = first == std::string_view::npos ? first : core.find('.', first + 1);
  if (second == std::string_view::npos) return false;
  return is_digits(core.substr(0, first)) && is_digits(core.substr(first + 1, second - first - 1)) &&
         is_digits(core.substr(second + 1));
}

// Git and URL specs: pinned only by an immutable commit or a tarball.
bool is_pinned_remote_spec(std::string_view spec) {
  size_t hash = spec.rfind('#');
  if (hash != std::string_view::npos) return is_hex_commit(spec.substr(hash + 1));
  return spec.ends_with(".tgz") || spec.ends_with(".tar.gz");
}

// The package specs on a runner's command line, starting at tokens[first].
std::vector<std::string> package_arguments(const std::vector<std::string>& tokens, size_t first,
                                           const Grammar& grammar) {
  std::vector<std::string> sources;
  std::vector<std::string> extras;
  std::optional<std::string> positional;
  for (size_t i = first; i < tokens.size() && !positional; ++i) {
    const std::string& token = tokens[i];
    if (token == "--") {
      if (i + 1 < tokens.size()) positional = tokens[i + 1];
      break;
    }
    if (!token.starts_with('-')) {
      positional = token;
      break;
    }
    size_t equals = token.find('=');
    std::string flag = token.substr(0, equals);
    std::optional<std::string> value;
    if (equals != std::string::npos)
      value = token.substr(equals + 1);
    else if (one_of(flag, grammar.value_flags) && i + 1 < tokens.size())
      value = tokens[++i];
    if (!value) continue;
    if (one_of(flag, grammar.source_flags))
      sources.push_back(*value);
    else if (one_of(flag, grammar.extra_flags))
      extras.push_back(*value);
  }
  if (sources.empty() && positional) sources.push_back(*positional);
  sources.insert(sources.end(), extras.begin(), extras.end());
  return sources;
}

}  // namespace

bool is_pinned_npm_spec(const std::string& spec, std::string* name) {
  *name = spec;
  if (spec.find(':') != std::string::npos || (!spec.starts_with('@') && spec.find('/') != std::string::npos))
    return is_pinned_remote_spec(spec);
  size_t at = spec.find('@', spec.starts_with('@') ? 1 : 0);
  if (at == std::string::npos) return false;
  *name = spec.substr(0, at);
  return is_exact_semver(std::string_view(spec).substr(at + 1));
}

bool is_pinned_python_spec(const std::string& spec, std::string* name) {
  size_t name_end = spec.find_first_of("=<>!~@[ ;");
  *name = spec.substr(0, name_end);
  if (spec.find("://") != std::string::npos) {
    // "git+https://host/o/r@v1.2": a revision after the last path segment pins it.
    size_t slash = spec.rfind('/');
    return spec.find('@', slash) != std::string::npos;
  }
  size_t op = spec.find_first_of("=<>!~@", name_end == std::string::npos ? spec.size() : name_end);
  if (op == std::string::npos) return false;
  std::string_view rest = std::string_view(spec).substr(op);
  if (rest.starts_with("==="))
    rest.remove_prefix(3);
  else if (rest.starts_with("=="))
    rest.remove_prefix(2);
  else if (rest.starts_with('@'))
    rest.remove_prefix(1);
  else
    return false;  // >=, ~=, <, != are ranges
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return !rest.empty() && rest != "latest" && rest.find_first_of("*,<>") == std::string_view::npos;
}

std::vector<PackageRun> packages_run(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return {};
  std::string program = program_name(tokens.front());
  std::string second = tokens.size() > 1 ? tokens[1] : "";
  std::string third = tokens.size() > 2 ? tokens[2] : "";
  std::string runner;
  Ecosystem ecosystem = Ecosystem::kNpm;
  size_t first = 1;
  if (program == "npx" || program == "bunx" || program == "pnpx") {
    runner = program;
  } else if ((program == "pnpm" || program == "yarn") && second == "dlx") {
    runner = program + " dlx", first = 2;
  } else if ((program == "npm" && second == "exec") || (program == "bun" && second == "x")) {
    runner = program + " " + second, first = 2;
  } else if (program == "uvx") {
    runner = program, ecosystem = Ecosystem::kPython;
  } else if (program == "uv" && second == "tool" && third == "run") {
    runner = "uv tool run", ecosystem = Ecosystem::kPython, first = 3;
  } else {
    return {};
  }
  std::vector<std::string> specs =
      package_arguments(tokens, first, ecosystem == Ecosystem::kNpm ? kNpmGrammar : kUvGrammar);
  std::vector<PackageRun> runs;
  for (std::string& spec : specs) {
    if (spec.empty() || is_local_path(spec)) continue;
    PackageRun run{runner, std::move(spec), "", false};
    run.pinned = ecosystem == Ecosystem::kNpm ? is_pinned_npm_spec(run.spec, &run.name)
                                              : is_pinned_python_spec(run.spec, &run.name);
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace refguard::detect::agent_config
