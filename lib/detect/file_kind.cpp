#include "detect/file_kind.h"

#include <algorithm>
#include <array>
#include <string>

namespace refguard::detect {

namespace {

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The extension without its dot ("" when none), as written.
std::string_view extension(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Lower-case extensions of code: compiled and scripting languages, shells,
// assembly, GPU kernels, smart contracts, build and infrastructure files.
constexpr std::array<std::string_view, 120> kCodeExtensions = {
    "c",     "h",     "cc",    "cpp",   "cxx",   "c++",   "hh",    "hpp",   "hxx",   "h++",   "ipp",   "tpp",
    "inl",   "m",     "mm",    "cs",    "csx",   "fs",    "fsx",   "fsi",   "vb",    "java",  "kt",    "kts",
    "scala", "sc",    "groovy", "gradle", "clj", "cljs",  "cljc",  "go",    "rs",    "swift", "dart",  "zig",
    "nim",   "d",     "v",     "odin",  "jl",    "py",    "pyi",   "pyw",   "pyx",   "pxd",   "ipynb", "rb",
    "rake",  "gemspec", "php", "phtml", "pl",    "pm",    "t",     "lua",   "r",     "tcl",   "ex",    "exs",
    "erl",   "hrl",   "hs",    "lhs",   "ml",    "mli",   "elm",   "purs",  "cr",    "js",    "mjs",   "cjs",
    "jsx",   "ts",    "mts",   "cts",   "tsx",   "vue",   "svelte", "astro", "coffee", "sh",   "bash",  "zsh",
    "ksh",   "fish",  "ps1",   "psm1",  "psd1",  "bat",   "cmd",   "awk",   "sed",   "s",     "asm",   "nasm",
    "cu",    "cuh",   "cl",    "metal", "glsl",  "hlsl",  "wgsl",  "sol",   "move",  "cairo", "sql",   "mk",
    "cmake", "bazel", "bzl",   "star",  "nix",   "tf",    "hcl",   "dockerfile", "f90", "f95", "pas",  "ada"};

constexpr std::array<std::string_view, 12> kCodeNames = {
    "Makefile", "GNUmakefile", "makefile", "CMakeLists.txt", "Dockerfile", "Containerfile",
    "Rakefile", "Gemfile",     "BUILD",    "WORKSPACE",      "Jenkinsfile", "Vagrantfile"};

// Agent instruction files by base name.
constexpr std::array<std::string_view, 17> kAgentNames = {
    "AGENTS.md", "AGENT.md", "CLAUDE.md", "CLAUDE.local.md", "GEMINI.md", ".cursorrules", ".windsurfrules",
    ".clinerules", ".roorules", ".goosehints", "copilot-instructions.md", "SKILL.md", "CONVENTIONS.md",
    ".aider.conf.yml", "AI_RULES.md", ".rules", "llms.txt"};

// Directories whose files are agent instructions, wherever they sit.
constexpr std::array<std::string_view, 15> kAgentDirs = {
    ".cursor/rules/", ".claude/", ".clinerules/", ".windsurf/rules/", ".roo/", ".kiro/steering/",
    ".continue/rules/", ".github/instructions/", ".github/prompts/", ".github/chatmodes/", ".junie/",
    ".amazonq/rules/", ".augment/rules/", ".trae/rules/", "prompts/"};

// Suffixes of agent rule and prompt files (compared in lower case).
constexpr std::array<std::string_view, 8> kAgentSuffixes = {
    ".mdc", ".prompt", ".prompty", ".prompt.md", ".instructions.md", ".chatmode.md", ".agent.md", ".rules.md"};

}  // namespace

bool is_source_code_path(std::string_view path) {
  std::string_view name = base_name(path);
  if (contains(kCodeNames, name)) return true;
  std::string ext = lower(extension(name));
  if (ext.empty()) return lower(name).starts_with("dockerfile");
  return contains(kCodeExtensions, std::string_view(ext));
}

bool may_be_script_path(std::string_view path) {
  std::string_view name = base_name(path);
  return extension(name).empty() && !name.empty() && name.front() != '.';
}

bool has_shebang(std::string_view content) { return content.starts_with("#!"); }

bool is_agent_instruction_path(std::string_view path) {
  std::string_view name = base_name(path);
  if (contains(kAgentNames, name)) return true;
  std::string folded = lower(name);
  for (std::string_view suffix : kAgentSuffixes)
    if (folded.size() > suffix.size() && folded.ends_with(suffix)) return true;
  std::string with_root = "/" + std::string(path);
  for (std::string_view dir : kAgentDirs)
    if (with_root.find("/" + std::string(dir)) != std::string::npos) return true;
  return false;
}

bool may_be_agent_instructions_path(std::string_view path) {
  std::string ext = lower(extension(base_name(path)));
  return ext == "md" || ext == "markdown" || ext == "txt" || ext == "mdx";
}

bool looks_like_agent_instructions(std::string_view content) {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);
  if (!content.starts_with("---\n") && !content.starts_with("---\r\n")) return false;
  size_t end = content.find("\n---", 3);
  if (end == std::string_view::npos || end > 4096) return false;
  std::string_view front = content.substr(0, end + 1);
  auto has_key = [&](std::string_view key) {
    for (size_t at = front.find(key); at != std::string_view::npos; at = front.find(key, at + 1))
      if (front[at - 1] == '\n' && front.substr(at + key.size()).starts_with(":")) return true;
    return false;
  };
  return has_key("alwaysApply") || has_key("applyTo") || has_key("allowed-tools") ||
         (has_key("globs") && has_key("description")) || (has_key("mode") && has_key("tools"));
}

}  // namespace refguard::detect
