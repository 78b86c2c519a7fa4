#include "detect/agent_config/credential.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "util/entropy.h"
#include "util/text.h"

namespace refguard::detect::agent_config {

namespace {

// Thresholds from the policy: below them a value is a word, not a key.
constexpr size_t kMinSecretLength = 8;
constexpr double kMinSecretEntropy = 3.0;
// A known prefix followed by fewer characters than this is a truncated example.
constexpr size_t kMinBodyAfterPrefix = 16;

// Formats published by the vendors; case matters ("AKIA", "AIza").
constexpr std::array<std::string_view, 24> kCredentialPrefixes = {
    "sk-ant-", "sk-",         "sk_live_", "rk_live_", "ghp_",  "gho_",  "ghu_", "ghs_",
    "ghr_",    "github_pat_", "glpat-",   "xoxb-",    "xoxp-", "xapp-", "hf_",  "AIza",
    "gsk_",    "r8_",         "pplx-",    "xai-",     "lsv2_", "pcsk_", "AKIA", "ASIA"};

constexpr std::array<std::string_view, 20> kPlaceholderMarkers = {
    "your",     "xxxx",      "****",      "...",         "\xE2\x80\xA6" /* … */,
    "changeme", "change_me", "change-me", "placeholder", "replace",
    "redacted", "example",   "dummy",     "sample",      "_here",
    "-here",    " here",     "insert",    "todo",        "<"};

constexpr std::array<std::string_view, 9> kPlaceholderWords = {"token", "secret", "password",  "apikey", "api_key",
                                                               "none",  "null",   "undefined", "n/a"};

constexpr std::array<std::string_view, 17> kSecretWords = {
    "token", "key",           "secret",     "secrets",     "password", "passwd", "pwd",    "pass",  "passphrase",
    "auth",  "authorization", "credential", "credentials", "apikey",   "pat",    "bearer", "cookie"};

// Unseparated lowercase names ("apitoken", "secretkey") end in one of these.
constexpr std::array<std::string_view, 8> kSecretSuffixes = {"token",  "apikey",    "secret",    "password",
                                                             "passwd", "accesskey", "secretkey", "privatekey"};

constexpr std::array<std::string_view, 3> kAuthSchemes = {"bearer ", "basic ", "token "};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_upper(c) || is_lower(c) || is_digit(c); }
bool is_token_char(char c) {
  return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '=' || c == '+' || c == '/';
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

bool is_identifier(std::string_view text) {
  if (text.empty() || is_digit(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

// "OPENAI_API_KEY" as a value names a variable to read, it is not the key itself.
bool is_variable_name(std::string_view text) {
  if (!contains(text, "_") || text.front() == '_') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
}

bool is_path_or_url(std::string_view text) {
  if (text.starts_with('/') || text.starts_with("./") || text.starts_with("../") || text.starts_with("~/")) return true;
  if (text.size() > 2 && is_alnum(text[0]) && text[1] == ':' && (text[2] == '\\' || text[2] == '/')) return true;
  size_t scheme = text.find("://");
  return scheme != std::string_view::npos && scheme > 0 && is_identifier(text.substr(0, scheme));
}

// Splits "X-API-Key", "GITHUB_TOKEN", "accessToken", "APIKey" into lowercase words.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string current;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!is_alnum(c)) {
      if (!current.empty()) words.push_back(std::move(current)), current.clear();
      continue;
    }
    bool camel = i > 0 && is_upper(c) &&
                 (is_lower(name[i - 1]) || (is_upper(name[i - 1]) && i + 1 < name.size() && is_lower(name[i + 1])));
    if (camel && !current.empty()) words.push_back(std::move(current)), current.clear();
    current += lower(c);
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

// One piece of a word-like value: "github", "GitHub", "EAST", "4096", "oauth2", "v1".
bool is_word_segment(std::string_view segment) {
  size_t letters = 0;
  while (letters < segment.size() && (is_lower(segment[letters]) || is_upper(segment[letters]))) ++letters;
  std::string_view word = segment.substr(0, letters);
  std::string_view number = segment.substr(letters);
  if (!std::all_of(number.begin(), number.end(), is_digit)) return false;
  if (word.size() < 2) return true;
  bool rest_lower = std::all_of(word.begin() + 1, word.end(), is_lower);
  bool all_upper = std::all_of(word.begin(), word.end(), is_upper);
  return rest_lower || all_upper;  // "github", "Github", "GITHUB"; not "gItHuB"
}

// "github-enterprise", "oauth2-client-credentials", "claude-3-5-sonnet": settings,
// not keys. Random keys mix cases and digits inside a segment; UUIDs do too.
bool is_word_like(std::string_view value) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find_first_of("-_./: ", start);
    if (end == std::string_view::npos) end = value.size();
    if (!is_word_segment(value.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

bool is_random_enough(std::string_view token) {
  return token.size() >= kMinSecretLength && shannon_entropy(token) >= kMinSecretEntropy && !is_word_like(token);
}

}  // namespace

std::optional<std::string_view> known_format_token(std::string_view value) {
  for (std::string_view prefix : kCredentialPrefixes) {
    if (!value.starts_with(prefix)) continue;
    size_t end = prefix.size();
    while (end < value.size() && is_token_char(value[end])) ++end;
    std::string_view token = value.substr(0, end);
    if (end - prefix.size() < kMinBodyAfterPrefix || is_placeholder(token)) return std::nullopt;
    if (!is_random_enough(token)) return std::nullopt;
    return token;
  }
  return std::nullopt;
}

std::optional<std::string_view> find_known_format_token(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && is_alnum(text[i - 1])) continue;
    if (auto token = known_format_token(text.substr(i))) return token;
  }
  return std::nullopt;
}

bool is_reference(std::string_view value) {
  value = trim(value);
  size_t open = value.find("${");
  if (open != std::string_view::npos && value.find('}', open) != std::string_view::npos) return true;
  open = value.find("{{");
  if (open != std::string_view::npos && value.find("}}", open) != std::string_view::npos) return true;
  if (value.size() > 1 && value.front() == '$' && is_identifier(value.substr(1))) return true;
  return value.size() > 2 && value.front() == '%' && value.back() == '%' &&
         is_identifier(value.substr(1, value.size() - 2));
}

bool is_placeholder(std::string_view value) {
  value = trim(value);
  if (value.empty()) return true;
  if ((value.front() == '<' && value.back() == '>') || (value.front() == '[' && value.back() == ']')) return true;
  std::string lowered = ascii_lower(value);
  for (std::string_view word : kPlaceholderWords)
    if (lowered == word) return true;
  for (std::string_view marker : kPlaceholderMarkers)
    if (contains(lowered, marker)) return true;
  return false;
}

bool is_secret_name(std::string_view name) {
  for (const std::string& word : name_words(name)) {
    if (std::find(kSecretWords.begin(), kSecretWords.end(), word) != kSecretWords.end()) return true;
    for (std::string_view suffix : kSecretSuffixes)
      if (word.ends_with(suffix)) return true;
  }
  return false;
}

std::optional<std::string_view> literal_credential(std::string_view name, std::string_view value) {
  value = trim(value);
  if (value.empty() || is_reference(value) || is_placeholder(value)) return std::nullopt;
  // "Bearer <token>" is a credential whatever the header is called.
  std::string lowered = ascii_lower(value.substr(0, std::min<size_t>(value.size(), 7)));
  for (std::string_view scheme : kAuthSchemes) {
    if (!lowered.starts_with(scheme)) continue;
    std::string_view token = trim(value.substr(scheme.size()));
    if (token.empty() || is_reference(token) || is_placeholder(token)) return std::nullopt;
    if (auto known = known_format_token(token)) return known;
    if ((scheme == "bearer " || is_secret_name(name)) && is_random_enough(token) && !contains(token, " ")) return token;
    return std::nullopt;
  }
  if (auto known = known_format_token(value)) return known;
  if (!is_secret_name(name) || contains(value, " ")) return std::nullopt;
  if (is_variable_name(value) || is_path_or_url(value)) return std::nullopt;
  if (is_random_enough(value)) return value;
  return std::nullopt;
}

}  // namespace refguard::detect::agent_config
