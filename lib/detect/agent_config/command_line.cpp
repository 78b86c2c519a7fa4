#include "detect/agent_config/command_line.h"

#include <algorithm>
#include <array>

namespace refguard::detect::agent_config {

namespace {

constexpr std::array<std::string_view, 9> kShells = {"sh",   "bash", "zsh",        "dash", "ksh",
                                                     "fish", "cmd",  "powershell", "pwsh"};
constexpr std::array<std::string_view, 10> kRunners = {"npx",  "bunx", "pnpx", "uvx", "uv",
                                                       "pnpm", "yarn", "bun",  "npm", "node"};
constexpr std::array<std::string_view, 4> kWindowsExtensions = {".exe", ".cmd", ".bat", ".ps1"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

bool is_known_program(std::string_view program) {
  return std::find(kShells.begin(), kShells.end(), program) != kShells.end() ||
         std::find(kRunners.begin(), kRunners.end(), program) != kRunners.end();
}

}  // namespace

std::string program_name(std::string_view token) {
  size_t slash = token.find_last_of("/\\");
  if (slash != std::string_view::npos) token.remove_prefix(slash + 1);
  std::string name(token);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  for (std::string_view extension : kWindowsExtensions)
    if (name.size() > extension.size() && name.ends_with(extension)) name.resize(name.size() - extension.size());
  return name;
}

std::vector<std::string> command_line(std::string_view command, const std::vector<std::string>& args) {
  std::vector<std::string> tokens;
  std::vector<std::string> words = split_spaces(command);
  // A path with spaces ("C:\Program Files\...") stays whole unless it starts with a program we know.
  if (words.size() > 1 && is_known_program(program_name(words.front())))
    tokens = std::move(words);
  else if (!command.empty())
    tokens.emplace_back(command);
  tokens.insert(tokens.end(), args.begin(), args.end());
  return tokens;
}

std::vector<std::string> without_cmd_wrapper(const std::vector<std::string>& tokens) {
  if (tokens.empty() || program_name(tokens.front()) != "cmd") return tokens;
  size_t i = 1;
  // cmd's switches come before the command: "/s /c npx ...", "/d /c ...".
  while (i < tokens.size() && tokens[i].size() == 2 && tokens[i][0] == '/') {
    char option = static_cast<char>(tokens[i][1] | 0x20);
    ++i;
    if (option == 'c' || option == 'k')
      return std::vector<std::string>(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
  }
  return tokens;
}

bool is_shell_program(std::string_view program) {
  return std::find(kShells.begin(), kShells.end(), program) != kShells.end();
}

}  // namespace refguard::detect::agent_config
