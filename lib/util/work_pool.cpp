#include "util/work_pool.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

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

size_t WorkPool::threads_beside_caller() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? cores - 1 : 1;
}

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

Expected<void> WorkPool::parallel_for_each_until_error(size_t count,
                                                       const std::function<Expected<void>(size_t)>& body) {
  std::mutex mutex;
  std::optional<Error> failure;
  parallel_for(count, [&](size_t i) {
    {
      std::lock_guard lock(mutex);
      if (failure) return;
    }
    auto done = body(i);
    if (done) return;
    std::lock_guard lock(mutex);
    if (!failure) failure = std::move(done.error());
  });
  if (failure) return std::unexpected(std::move(*failure));
  return {};
}

struct StreamingLoop::State {
  std::function<void(size_t)> body;
  std::mutex mutex;
  std::condition_variable idle;
  std::deque<std::pair<size_t, uint64_t>> queue;  // (item, weight)
  uint64_t queued_weight = 0;
  size_t posted = 0;   // helpers posted to the pool, not yet started
  size_t running = 0;  // helpers inside run_queue()
  bool closed = false;

  // With the lock held: takes the oldest queued item.
  bool pop_locked(size_t& item) {
    if (queue.empty()) return false;
    item = queue.front().first;
    queued_weight -= queue.front().second;
    queue.pop_front();
    return true;
  }

  // Runs queued items until none is left; enters and leaves with the lock held.
  void run_queue(std::unique_lock<std::mutex>& lock) {
    size_t item;
    while (pop_locked(item)) {
      lock.unlock();
      body(item);
      lock.lock();
    }
  }

  void help() {
    std::unique_lock lock(mutex);
    --posted;
    if (closed) return;
    ++running;
    run_queue(lock);
    if (--running == 0) idle.notify_all();
  }
};

StreamingLoop::StreamingLoop(WorkPool& pool, std::function<void(size_t)> body, uint64_t max_queued_weight)
    : pool_(pool), state_(std::make_shared<State>()), max_queued_weight_(max_queued_weight) {
  state_->body = std::move(body);
}

StreamingLoop::~StreamingLoop() { finish(); }

void StreamingLoop::push(size_t item, uint64_t weight) {
  std::unique_lock lock(state_->mutex);
  state_->queue.emplace_back(item, weight);
  state_->queued_weight += weight;
  // A new helper only while fewer than the pool's threads are on this loop:
  // a helper leaves when the queue is empty, so the next push posts again.
  if (state_->posted + state_->running < pool_.size()) {
    ++state_->posted;
    boost::asio::post(pool_.pool(), [state = state_] { state->help(); });
  }
  size_t own;
  while (state_->queued_weight > max_queued_weight_ && state_->pop_locked(own)) {
    lock.unlock();
    state_->body(own);
    lock.lock();
  }
}

void StreamingLoop::finish() {
  if (finished_) return;
  finished_ = true;
  std::unique_lock lock(state_->mutex);
  state_->run_queue(lock);
  state_->closed = true;
  state_->idle.wait(lock, [&] { return state_->running == 0; });
}

}  // namespace refguard
