#include "util/work_pool.h"

#include <algorithm>
#include <memory>
#include <thread>

namespace refguard {

namespace {
size_t pick_threads(size_t requested) {
  if (requested > 0) return requested;
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

// Shared by the caller and the helpers it posts. The caller waits only for
// helpers that started; one that starts after the caller finished finds the
// loop closed and leaves, so a busy pool never holds the caller hostage.
struct LoopState {
  std::atomic<size_t> next{0};
  size_t count = 0;
  const std::function<void(size_t)>* body = nullptr;
  std::mutex mutex;
  std::condition_variable done;
  size_t running = 0;
  bool closed = false;

  void run() {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) (*body)(i);
  }
};
}  // namespace

WorkPool::WorkPool(size_t threads) : threads_(pick_threads(threads)), pool_(threads_) {}

WorkPool::~WorkPool() {
  pool_.stop();
  pool_.join();
}

void WorkPool::parallel_for(size_t count, const std::function<void(size_t)>& body) {
  if (count == 0) return;
  auto state = std::make_shared<LoopState>();
  state->count = count;
  state->body = &body;
  size_t helpers = std::min(threads_, count - 1);
  for (size_t h = 0; h < helpers; ++h) {
    boost::asio::post(pool_, [state] {
      {
        std::lock_guard lock(state->mutex);
        if (state->closed) return;
        ++state->running;
      }
      state->run();
      std::lock_guard lock(state->mutex);
      if (--state->running == 0) state->done.notify_all();
    });
  }
  state->run();
  std::unique_lock lock(state->mutex);
  state->closed = true;
  state->done.wait(lock, [&] { return state->running == 0; });
}

}  // namespace refguard
