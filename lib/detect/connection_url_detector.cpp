#include "detect/connection_url_detector.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "util/entropy.h"

namespace refguard::detect {

namespace {

const std::vector<std::string> kDefaultSchemes = {
    "postgres", "postgresql", "mysql",     "mariadb",  "mongodb",  "mongodb+srv", "redis",  "rediss",
    "amqp",     "amqps",      "mssql",     "sqlserver", "oracle",  "cockroachdb", "clickhouse", "neo4j",
    "neo4j+s",  "bolt",       "couchdb",   "couchbase", "cassandra", "memcached", "nats",   "mqtt",
    "mqtts",    "elasticsearch", "opensearch", "snowflake", "db2",  "timescale",  "kafka"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ends_with_label(std::string_view host, std::string_view suffix) {
  return host == suffix || (host.size() > suffix.size() && host.ends_with(suffix) &&
                            host[host.size() - suffix.size() - 1] == '.');
}

std::string escape_scheme(std::string_view scheme) {
  std::string out;
  for (char c : scheme) {
    if (c == '+' || c == '.') out += '\\';
    out += c;
  }
  return out;
}

class ConnectionUrlDetector final : public Detector {
 public:
  explicit ConnectionUrlDetector(const std::vector<std::string>& schemes) {
    std::vector<std::string> escaped;
    for (const auto& scheme : schemes) escaped.push_back(escape_scheme(lower(scheme)));
    // Longest first, so "mongodb+srv" wins over "mongodb".
    std::sort(escaped.begin(), escaped.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::string alternatives = fmt::format("{}", fmt::join(escaped, "|"));
    // Groups: user, password, host (a bracketed IPv6 address or a name up to ':' '/' '?').
    pattern_ = fmt::format(R"((?i:\b(?:{})(?:\+[a-z0-9]+)?://)([^:/@ \t\r\n"'`]*):([^@/ \t\r\n"'`]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-%{{}}$]+))",
                           alternatives);
    RE2::Options options;
    options.set_log_errors(false);
    regex_ = std::make_unique<RE2>(pattern_, options);
    for (const auto& scheme : schemes) keywords_.push_back(lower(scheme));
  }

  bool ok() const { return regex_->ok(); }
  std::string error() const { return regex_->error(); }

  // The prefilter needs only the URL's "://user:password@" shape, a literal
  // it finds fast; the schemes are its keywords and RE2 checks the rest.
  std::optional<PrefilterSpec> prefilter() const override {
    return PrefilterSpec{R"(://[^:/@ \t\r\n"'`]*:[^@/ \t\r\n"'`]+@)", keywords_};
  }
  bool wants_lines() const override { return true; }

  void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates, std::vector<Hit>& hits) const override {
    for (uint32_t index : candidates) scan_line(file.added[index], hits);
  }

 private:
  void scan_line(const AddedLine& line, std::vector<Hit>& hits) const {
    re2::StringPiece input(line.text.data(), line.text.size());
    re2::StringPiece user, password, host;
    while (RE2::FindAndConsume(&input, *regex_, &user, &password, &host)) {
      std::string_view user_text(user.data(), user.size()), password_text(password.data(), password.size());
      std::string_view host_text(host.data(), host.size());
      // "user:password\@host": Markdown (and shells) escape the '@'; a
      // backslash is no character of a URL's userinfo (RFC 3986 would
      // percent-encode it), so it is the escape, not the password's end.
      if (password_text.size() > 1 && password_text.back() == '\\') password_text.remove_suffix(1);
      if (is_non_production_host(host_text) && is_throwaway_password(password_text, user_text)) continue;
      Hit hit;
      hit.line = line.number;
      hit.secret = std::string(password_text);
      hit.detail = fmt::format("password for user '{}' at host '{}'", user_text.substr(0, 64), host_text.substr(0, 128));
      hits.push_back(std::move(hit));
    }
  }

  std::string pattern_;
  std::unique_ptr<RE2> regex_;
  std::vector<std::string> keywords_;
};

}  // namespace

bool is_non_production_host(std::string_view written) {
  std::string host = lower(written);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return false;
  if (host == "::1" || host == "0.0.0.0" || host == "::" || host.starts_with("127.")) return true;
  for (std::string_view name : {"localhost", "example", "example.com", "example.net", "example.org", "test", "invalid"})
    if (ends_with_label(host, name)) return true;
  // One label, no dots: a Compose service or /etc/hosts alias, never a public name.
  return host.find('.') == std::string::npos && host.find(':') == std::string::npos &&
         std::any_of(host.begin(), host.end(), [](unsigned char c) { return std::isalpha(c); }) &&
         host.find_first_of("{}$%") == std::string::npos;
}

bool is_throwaway_password(std::string_view password, std::string_view user) {
  if (password.size() < 8) return true;
  std::string folded = lower(password);
  std::string folded_user = lower(user);
  if (folded_user.size() >= 3 && folded.find(folded_user) != std::string::npos) return true;
  if (shannon_entropy(password) < 3.0) return true;
  // Made only of test-credential words, digits and separators?
  // Longest first where one word starts another ("password" before "pass").
  static constexpr std::array<std::string_view, 58> kWords = {
      "password", "passwd", "pass", "pwd", "secret", "development", "dev", "test", "user", "admin", "root", "demo",
      "local", "sample", "example", "changeme", "change", "default", "guest", "qwerty", "letmein", "welcome",
      "postgresql", "postgres", "mysql", "mariadb", "mongodb", "mongo", "redis", "rabbitmq", "database", "db", "my",
      "your", "app", "dummy", "fake", "mock", "temp", "tmp", "insecure", "super", "strong", "foo", "bar", "baz",
      "abc", "hello", "world", "docker", "compose", "sql", "pg", "vector", "service", "svc", "api", "me"};
  std::string_view rest = folded;
  size_t words = 0;
  while (!rest.empty()) {
    if (std::isdigit(static_cast<unsigned char>(rest.front())) || rest.front() == '_' || rest.front() == '-' ||
        rest.front() == '.' || rest.front() == '!') {
      rest.remove_prefix(1);
      continue;
    }
    auto word = std::find_if(kWords.begin(), kWords.end(), [&](std::string_view w) { return rest.starts_with(w); });
    if (word == kWords.end()) {
      // The user name (or a part of it) counts as a word too.
      if (folded_user.size() >= 3 && rest.starts_with(folded_user)) {
        rest.remove_prefix(folded_user.size());
        ++words;
        continue;
      }
      return false;
    }
    rest.remove_prefix(word->size());
    ++words;
  }
  return words > 0;
}

std::unique_ptr<Detector> make_connection_url_detector(DetectorParams& params) {
  auto schemes = params.strings("schemes");
  for (const auto& scheme : schemes)
    if (scheme.empty() || scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") !=
                              std::string::npos) {
      params.error("schemes", fmt::format("'{}' is not a URL scheme", scheme));
      return nullptr;
    }
  auto detector = std::make_unique<ConnectionUrlDetector>(schemes.empty() ? kDefaultSchemes : schemes);
  if (!detector->ok()) {
    params.error("schemes", "the URL pattern does not compile: " + detector->error());
    return nullptr;
  }
  return detector;
}

}  // namespace refguard::detect
