#include "detect/agent_config/shell_text.h"

#include <re2/re2.h>

#include "detect/agent_config/credential.h"
#include "util/mask.h"
#include "util/text.h"

namespace refguard::detect::agent_config {

namespace {

// Case-insensitive; RE2 is immutable after construction and safe to share.
constexpr std::string_view kDownloadExecute =
    // curl/wget/Invoke-WebRequest … | [sudo [-E]] sh/bash/python/iex …
    R"((?i)\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?)"
    R"((?:\S*/)?(?:sh|bash|zsh|dash|ksh|fish|python[0-9.]*|perl|ruby|node|iex|invoke-expression)\b)"
    // bash <(curl …), sh -c "$(wget …)", source <(curl …), eval "$(curl …)"
    R"(|\b(?:sh|bash|zsh|dash|ksh|source|eval)\b\s+(?:-c\s+)?["']?(?:<\(|\$\()\s*(?:curl|wget)\b)"
    // iex (irm …), Invoke-Expression (New-Object Net.WebClient).DownloadString(…)
    R"(|\b(?:iex|invoke-expression)\b[\s(]*(?:irm|iwr|invoke-restmethod|invoke-webrequest|new-object\s+(?:system\.)?net\.webclient)\b)";

const RE2& download_execute_regex() {
  static const RE2 regex{std::string(kDownloadExecute)};
  return regex;
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Replaces every known-format credential that starts a word with its masked form.
std::string redact(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool word_start = i == 0 || !is_word_char(text[i - 1]);
    auto token = word_start ? known_format_token(text.substr(i)) : std::nullopt;
    if (token) {
      out += mask_secret(*token);
      i += token->size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

bool has_shell_metacharacters(std::string_view text) {
  return text.find_first_of(";|&`><") != std::string_view::npos || text.find("$(") != std::string_view::npos;
}

bool downloads_and_executes(std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), download_execute_regex());
}

std::string display_command(std::string_view text, size_t limit) {
  std::string line = redact(text);
  for (char& c : line)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (line.size() <= limit) return line;
  return line.substr(0, utf8_cut(line, limit)) + "…";  // details are printed to terminals
}

}  // namespace refguard::detect::agent_config
