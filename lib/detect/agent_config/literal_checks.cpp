#include "detect/agent_config/literal_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

#include "detect/agent_config/credential.h"

namespace refguard::detect::agent_config {

namespace {

struct NamedValue {
  std::string_view name;
  std::string_view value;
};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_name(std::string_view text) { return !text.empty() && std::all_of(text.begin(), text.end(), is_name_char); }

// "--api-key=v", "GITHUB_TOKEN=v" and "Authorization: v" name their own value
// (literal_credential trims the space after the colon).
std::optional<NamedValue> split_assignment(std::string_view arg) {
  size_t equals = arg.find('=');
  if (equals != std::string_view::npos && equals > 0 && is_name(arg.substr(0, equals)))
    return NamedValue{arg.substr(0, equals), arg.substr(equals + 1)};
  size_t colon = arg.find(':');
  if (colon != std::string_view::npos && colon > 0 && is_name(arg.substr(0, colon)))
    return NamedValue{arg.substr(0, colon), arg.substr(colon + 1)};
  return std::nullopt;
}

// The name an argument's value goes by: its own "--flag=" or the flag before it.
NamedValue name_argument(std::string_view arg, std::string_view previous) {
  if (auto assignment = split_assignment(arg)) return *assignment;
  if (previous.starts_with('-') && previous.find('=') == std::string_view::npos) return {previous, arg};
  return {"", arg};
}

// The credential in a value known by `name`: the value itself, a "Name=value" or
// "Name: value" inside it (OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer …"),
// or a known-format token anywhere in it.
std::optional<std::string_view> credential_in(std::string_view name, std::string_view value) {
  if (auto secret = literal_credential(name, value)) return secret;
  if (auto inner = split_assignment(value))
    if (auto secret = literal_credential(inner->name, inner->value)) return secret;
  return find_known_format_token(value);
}

void report(std::string_view secret, const JsonPath& anchors, const std::string& where, const ScanContext& context) {
  uint32_t line = context.lines.find(anchors, secret);
  context.add(Severity::kBlock, line, fmt::format("literal token in {}", where), std::string(secret));
}

}  // namespace

void check_literal_map(const Json& object, const JsonPath& path, const ScanContext& context) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) continue;
    const std::string& text = value.get_ref<const std::string&>();
    if (auto secret = credential_in(key, text))
      report(*secret, child_path(path, key), join_path(path) + "." + key, context);
  }
}

void check_literal_args(const Json& args, const JsonPath& path, const ScanContext& context) {
  if (!args.is_array()) return;
  std::string_view previous;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].is_string()) {
      previous = {};
      continue;
    }
    std::string_view arg = args[i].get_ref<const std::string&>();
    NamedValue named = name_argument(arg, previous);
    if (auto secret = credential_in(named.name, named.value))
      report(*secret, path, fmt::format("{}[{}]", join_path(path), i), context);
    previous = arg;
  }
}

void check_literal_url(const std::string& url, const JsonPath& path, const ScanContext& context) {
  size_t query = url.find('?');
  if (query == std::string::npos) {
    if (auto token = find_known_format_token(url)) report(*token, path, join_path(path), context);
    return;
  }
  std::string_view rest = std::string_view(url).substr(query + 1);
  while (!rest.empty()) {
    size_t amp = rest.find_first_of("&#");
    std::string_view pair = rest.substr(0, amp);
    size_t equals = pair.find('=');
    std::string_view name = equals == std::string_view::npos ? std::string_view{} : pair.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? pair : pair.substr(equals + 1);
    if (auto secret = literal_credential(name, value)) {
      report(*secret, path, join_path(path), context);
      return;  // one finding per URL is enough to make someone look at it
    }
    if (amp == std::string_view::npos || rest[amp] == '#') break;
    rest.remove_prefix(amp + 1);
  }
}

namespace {

// The text of the JSON string literal opening at `open` with the common
// escapes undone (a \uXXXX stays as written: tokens are ASCII), and the
// index just past it. An unterminated literal runs to the end of its line.
std::pair<std::string, size_t> read_literal(std::string_view text, size_t open) {
  std::string out;
  size_t i = open + 1;
  for (; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      out.push_back(text[i]);
      continue;
    }
    char escaped = text[++i];
    switch (escaped) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': case 'f': break;
      case 'u': out += "\\u"; break;
      default: out.push_back(escaped); break;
    }
  }
  return {std::move(out), i < text.size() && text[i] == '"' ? i + 1 : i};
}

// The next byte at or after `i` that is not whitespace or inside a comment.
size_t next_token(std::string_view text, size_t i) {
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (text.substr(i, 2) == "//") {
      i = std::min(text.find('\n', i), text.size());
    } else if (text.substr(i, 2) == "/*") {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

uint32_t line_at(std::string_view text, size_t offset) {
  return static_cast<uint32_t>(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

void check_literals_tolerantly(std::string_view text, std::string_view why, const ScanContext& context) {
  std::string key;       // the last object key read
  std::string previous;  // the previous string in the same array, for "--token", "VALUE"
  bool in_array = false; // whether the innermost open bracket is '['
  std::vector<bool> brackets;  // per open bracket: is it '['; bounded by the text's size, no recursion
  std::set<std::string> reported;
  size_t i = 0;
  while ((i = next_token(text, i)) < text.size()) {
    char c = text[i];
    if (c == '[' || c == '{') {
      brackets.push_back(c == '[');
      in_array = c == '[';
      previous.clear();
      ++i;
      continue;
    }
    if (c == ']' || c == '}') {
      if (!brackets.empty()) brackets.pop_back();
      in_array = !brackets.empty() && brackets.back();
      previous.clear();
      ++i;
      continue;
    }
    if (c != '"') {
      // Numbers, literals, commas, colons and stray bytes: a non-string array item resets "--flag".
      if (c != ',' && c != ':' && in_array) previous.clear();
      ++i;
      continue;
    }
    size_t start = i;
    auto [value, after] = read_literal(text, i);
    i = after;
    size_t next = next_token(text, i);
    if (next < text.size() && text[next] == ':' && !in_array) {
      key = std::move(value);
      i = next + 1;
      continue;
    }
    std::optional<std::string_view> secret;
    std::string where;
    if (in_array) {
      NamedValue named = name_argument(value, previous);
      secret = credential_in(named.name, named.value);
      where = key.empty() ? "an array" : key;
      previous = value;
    } else {
      secret = credential_in(key, value);
      where = key.empty() ? "a value" : key;
    }
    if (!secret || !reported.insert(std::string(*secret)).second) continue;
    size_t offset = text.find(*secret, start);
    context.add(Severity::kBlock, line_at(text, offset == std::string_view::npos ? start : offset),
                fmt::format("literal token in {} ({})", where, why), std::string(*secret));
  }
}

}  // namespace refguard::detect::agent_config
