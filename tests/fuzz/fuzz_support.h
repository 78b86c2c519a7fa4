#pragma once
// Helpers shared by the fuzz targets. A target aborts (libFuzzer then saves
// the input as a crash) when a documented property of the code under test
// does not hold, not only when a sanitizer fires.
#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <functional>
#include <string>
#include <vector>

#include "detect/file_view.h"

#define FUZZ_CHECK(condition, what)                                                   \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

namespace refguard::fuzz {

/// Every line of `content` as an added line, the way the engine presents a new file.
inline std::vector<detect::AddedLine> all_lines(std::string_view content) {
  std::vector<detect::AddedLine> lines;
  uint32_t number = 1;
  while (!content.empty()) {
    const size_t end = content.find('\n');
    lines.push_back({number++, content.substr(0, end)});
    if (end == std::string_view::npos) break;
    content.remove_prefix(end + 1);
  }
  return lines;
}

/// Depth bombs from any input: the first two bytes give a nesting depth
/// (0..65,535, modulo max_depth + 1), `open` and `close` are repeated that many times around the
/// rest, between `before` and `after`. Mutating two bytes takes libFuzzer
/// from shallow to ~65,000 levels at once, where building balanced nesting
/// byte by byte would take it far longer than its CI minute: a parser that
/// loses its depth bound crashes within seconds (issue 15, item 1).
inline std::string nested(std::string_view input, std::string_view before, std::string_view open,
                          std::string_view close, std::string_view after, size_t max_depth = 65535) {
  size_t depth = input.size() >= 2
                     ? static_cast<size_t>(static_cast<unsigned char>(input[0])) << 8 | static_cast<unsigned char>(input[1])
                     : 0;
  depth %= max_depth + 1;
  std::string_view rest = input.substr(std::min<size_t>(2, input.size()));
  std::string out(before);
  out.reserve(before.size() + depth * (open.size() + close.size()) + rest.size() + after.size());
  for (size_t i = 0; i < depth; ++i) out += open;
  out += rest;
  for (size_t i = 0; i < depth; ++i) out += close;
  out += after;
  return out;
}

/// Stack size of the thread on_worker_stack runs an input on.
inline constexpr size_t kWorkerStackBytes = size_t{1} << 20;

/// Runs `body` on a thread with a 1 MiB stack and returns its result.
/// Pushed content is parsed on the daemon's pool threads, whose stacks can
/// be smaller than main's 8 MiB; on main, a depth bomb needs ~300,000
/// levels to crash, far past what libFuzzer builds in its CI minute. On
/// this stack a few thousand levels (a few KB, within -max_len) crash a
/// parser that recurses without a bound (issue 15, item 1).
inline int on_worker_stack(const std::function<int()>& body) {
  struct Call {
    const std::function<int()>* body;
    int result = 0;
  } call{&body};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, kWorkerStackBytes);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    auto* c = static_cast<Call*>(argument);
    c->result = (*c->body)();
    return nullptr;
  };
  FUZZ_CHECK(pthread_create(&thread, &attributes, run, &call) == 0, "the worker thread starts");
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
  return call.result;
}

}  // namespace refguard::fuzz
