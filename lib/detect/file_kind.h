#pragma once
// What kind of file a path (and, where the name does not say, its content)
// holds, for detectors whose judgement depends on it: source code, where
// invisible and bidi characters change what compiles, and AI agent
// instruction files, where any hidden character can carry instructions.
// Pure functions, thread-safe.
#include <string_view>

namespace refguard::detect {

/// Source code by file name: the extensions of programming, shell, build and
/// infrastructure languages, and build files known by name (Makefile,
/// Dockerfile, ...). Data and prose (JSON, YAML, Markdown, .po catalogues)
/// are not code: translations legitimately hold bidi controls.
bool is_source_code_path(std::string_view path);

/// A file without an extension that may be a script (decided by its shebang).
bool may_be_script_path(std::string_view path);
/// True when `content` starts with "#!" (an executable script).
bool has_shebang(std::string_view content);

/// AI agent instruction, rule and prompt files by name, at any depth:
/// AGENTS.md, CLAUDE.md, .cursorrules, *.mdc, *.prompt.md, *.instructions.md,
/// .cursor/rules/**, .claude/**, .github/instructions/** ...
bool is_agent_instruction_path(std::string_view path);
/// Markdown or text that may hold agent instructions, decided by content.
bool may_be_agent_instructions_path(std::string_view path);
/// Content that reads as agent rules: front matter with the keys rule files
/// use (alwaysApply, globs, applyTo, allowed-tools, mode + tools).
bool looks_like_agent_instructions(std::string_view content);

}  // namespace refguard::detect
