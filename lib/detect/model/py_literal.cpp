#include "detect/model/py_literal.h"

#include <fmt/format.h>

#include <charconv>
#include <tuple>

namespace refguard::detect::model {

namespace {

constexpr int kMaxDepth = 32;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Expected<PyLiteral> document() {
    auto value = parse(0);
    if (!value) return value;
    skip_space();
    if (at_ != text_.size()) return error("unexpected text after the value");
    return value;
  }

 private:
  std::unexpected<Error> error(std::string_view why) const { return fail(fmt::format("{} at offset {}", why, at_)); }

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
  }

  bool eat(char c) {
    skip_space();
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  Expected<PyLiteral> parse(int depth) {
    if (depth > kMaxDepth) return error("nested too deeply");
    skip_space();
    if (at_ >= text_.size()) return error("the text ends where a value was expected");
    char c = text_[at_];
    if (c == '{') return sequence(depth, '}', PyLiteral::Kind::kDict);
    if (c == '[') return sequence(depth, ']', PyLiteral::Kind::kList);
    if (c == '(') return sequence(depth, ')', PyLiteral::Kind::kTuple);
    if (c == '\'' || c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return integer();
    for (auto [word, kind, number] : {std::tuple{"True", PyLiteral::Kind::kBool, 1}, std::tuple{"False", PyLiteral::Kind::kBool, 0},
                                      std::tuple{"None", PyLiteral::Kind::kNone, 0}}) {
      if (text_.substr(at_).starts_with(word)) {
        at_ += std::string_view(word).size();
        PyLiteral value;
        value.kind = kind, value.number = number;
        return value;
      }
    }
    return error("unexpected character");
  }

  Expected<PyLiteral> sequence(int depth, char close, PyLiteral::Kind kind) {
    ++at_;
    PyLiteral value;
    value.kind = kind;
    bool comma = true;  // Python allows a trailing comma
    while (!eat(close)) {
      if (!comma) return error("expected ',' between items");
      auto item = parse(depth + 1);
      if (!item) return item;
      if (kind == PyLiteral::Kind::kDict) {
        if (!eat(':')) return error("expected ':' in a dict");
        auto mapped = parse(depth + 1);
        if (!mapped) return mapped;
        value.entries.push_back({std::move(*item), std::move(*mapped)});
      } else {
        value.items.push_back(std::move(*item));
      }
      comma = eat(',');
    }
    return value;
  }

  Expected<PyLiteral> string() {
    char quote = text_[at_++];
    PyLiteral value;
    value.kind = PyLiteral::Kind::kStr;
    while (at_ < text_.size() && text_[at_] != quote) {
      if (text_[at_] == '\\') {
        if (++at_ >= text_.size()) break;
      }
      value.text.push_back(text_[at_++]);
    }
    if (at_ >= text_.size()) return error("unterminated string");
    ++at_;
    return value;
  }

  Expected<PyLiteral> integer() {
    size_t start = at_;
    if (text_[at_] == '-') ++at_;
    while (at_ < text_.size() && ((text_[at_] >= '0' && text_[at_] <= '9') || text_[at_] == 'L')) ++at_;
    std::string_view digits = text_.substr(start, at_ - start);
    if (digits.ends_with('L')) digits.remove_suffix(1);  // Python 2 longs in old headers
    PyLiteral value;
    value.kind = PyLiteral::Kind::kInt;
    auto [end, status] = std::from_chars(digits.data(), digits.data() + digits.size(), value.number);
    if (status != std::errc() || end != digits.data() + digits.size()) return error("invalid integer");
    return value;
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

const PyLiteral* PyLiteral::get(std::string_view key) const {
  for (const auto& [name, value] : entries)
    if (name.kind == Kind::kStr && name.text == key) return &value;
  return nullptr;
}

Expected<PyLiteral> parse_py_literal(std::string_view text) { return Parser(text).document(); }

}  // namespace refguard::detect::model
