#pragma once
// Error values that cross module boundaries. The message is built where the
// failure happened, so callers only add context, never guess at causes.
#include <expected>
#include <string>
#include <utility>

namespace refguard {

struct Error {
  std::string message;
};

template <class T>
using Expected = std::expected<T, Error>;

/// Shorthand for returning a failure: `return fail("bad thing: " + why);`
inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace refguard
