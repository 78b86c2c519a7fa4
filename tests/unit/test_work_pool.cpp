#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "util/work_pool.h"

using refguard::WorkPool;

namespace {

// Runs `body` on its own thread and reports whether it finished within
// `limit`. A deadlocked body can never be joined, so on timeout the test
// process exits at once (with a message) instead of hanging ctest.
bool finishes_within(std::chrono::seconds limit, std::function<void()> body) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
  };
  auto shared = std::make_shared<Shared>();
  std::thread worker([shared, body = std::move(body)] {
    body();
    std::lock_guard lock(shared->mutex);
    shared->done = true;
    shared->done_cv.notify_all();
  });
  std::unique_lock lock(shared->mutex);
  if (!shared->done_cv.wait_for(lock, limit, [&] { return shared->done; })) {
    std::fprintf(stderr, "work pool test: deadlock (no progress within %lld s)\n",
                 static_cast<long long>(limit.count()));
    std::_Exit(1);
  }
  lock.unlock();
  worker.join();
  return true;
}

// How many distinct threads ran a parallel_for of `count` short calls.
size_t threads_used(WorkPool& pool, size_t count) {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  pool.parallel_for(count, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  return seen.size();
}

}  // namespace

TEST_CASE("work pool size is the requested thread count, or at least one", "[work_pool]") {
  CHECK(WorkPool(3).size() == 3);
  CHECK(WorkPool(0).size() >= 1);
}

TEST_CASE("a pool beside its caller keeps as many threads busy as there are cores, no more", "[work_pool]") {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  WorkPool pool(WorkPool::threads_beside_caller());
  CHECK(pool.size() >= 1);
  CHECK(threads_used(pool, 256) <= std::max(cores, 2u));  // one core: the caller and one helper
}

TEST_CASE("work pool parallel_for runs every index exactly once", "[work_pool]") {
  for (size_t threads : {1u, 2u, 4u, 8u}) {
    WorkPool pool(threads);
    for (size_t count : {0u, 1u, 2u, 3u, 7u, 100u, 10000u}) {
      INFO(threads << " threads, " << count << " indexes");
      std::vector<std::atomic<int>> calls(count);
      std::atomic<size_t> out_of_range{0};
      pool.parallel_for(count, [&](size_t i) {
        if (i >= count) ++out_of_range;
        else ++calls[i];
      });
      CHECK(out_of_range == 0);
      size_t wrong = 0;
      for (auto& c : calls)
        if (c != 1) ++wrong;
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("work pool parallel_for returns only after every call has returned", "[work_pool]") {
  WorkPool pool(4);
  std::atomic<int> finished{0};
  pool.parallel_for(16, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ++finished;
  });
  CHECK(finished == 16);
}

TEST_CASE("work pool parallel_for uses at most size()+1 threads, the caller among them", "[work_pool]") {
  WorkPool pool(2);
  size_t used = threads_used(pool, 64);
  CHECK(used <= 3);
  CHECK(used >= 1);
}

TEST_CASE("work pool nested parallel_for from inside the pool does not deadlock", "[work_pool]") {
  WorkPool pool(2);
  std::vector<std::atomic<int>> calls(8 * 50);
  finishes_within(std::chrono::seconds(60), [&] {
    pool.parallel_for(8, [&](size_t outer) {
      pool.parallel_for(50, [&](size_t inner) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++calls[outer * 50 + inner];
      });
    });
  });
  size_t wrong = 0;
  for (auto& c : calls)
    if (c != 1) ++wrong;
  CHECK(wrong == 0);
}

TEST_CASE("work pool parallel_for started by tasks that occupy every worker does not deadlock", "[work_pool]") {
  WorkPool pool(2);
  std::atomic<int> total{0};
  std::atomic<int> tasks_done{0};
  finishes_within(std::chrono::seconds(60), [&] {
    // Four tasks on two workers, each running a loop (with a nested loop in
    // it) that would wait forever if it needed an idle worker to progress.
    for (int t = 0; t < 4; ++t)
      boost::asio::post(pool.pool(), [&] {
        pool.parallel_for(10, [&](size_t) {
          pool.parallel_for(3, [&](size_t) { ++total; });
        });
        ++tasks_done;
      });
    while (tasks_done < 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  CHECK(total == 4 * 10 * 3);
}

TEST_CASE("streaming loop runs every pushed item exactly once, on several threads", "[work_pool]") {
  for (size_t threads : {1u, 2u, 4u}) {
    INFO(threads << " threads");
    WorkPool pool(threads);
    constexpr size_t kItems = 2000;
    std::vector<std::atomic<int>> calls(kItems);
    std::mutex mutex;
    std::set<std::thread::id> seen;
    {
      refguard::StreamingLoop loop(pool, [&](size_t i) {
        ++calls[i];
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        std::lock_guard lock(mutex);
        seen.insert(std::this_thread::get_id());
      }, 1000);
      for (size_t i = 0; i < kItems; ++i) loop.push(i, 1);
      loop.finish();
      size_t wrong = 0;
      for (auto& c : calls)
        if (c != 1) ++wrong;
      CHECK(wrong == 0);  // all ran, once, before finish() returned
    }
    CHECK(seen.size() <= threads + 1);
    if (threads > 1) CHECK(seen.size() >= 2);  // not only the caller
  }
}

TEST_CASE("streaming loop: the producer runs items itself when the pool is busy, so queued weight stays bounded",
          "[work_pool]") {
  WorkPool pool(2);
  // Occupy both workers until the loop is done: no helper can start.
  std::atomic<bool> release{false};
  for (int t = 0; t < 2; ++t)
    boost::asio::post(pool.pool(), [&] {
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::atomic<int> ran{0};
  std::atomic<int> max_waiting{0};
  std::atomic<int> pushed{0};
  finishes_within(std::chrono::seconds(60), [&] {
    refguard::StreamingLoop loop(pool, [&](size_t) { ++ran; }, 10);
    for (int i = 0; i < 100; ++i) {
      loop.push(static_cast<size_t>(i), 4);  // weight 4, limit 10: at most 2 items wait
      ++pushed;
      max_waiting = std::max(max_waiting.load(), pushed.load() - ran.load());
    }
    loop.finish();
  });
  CHECK(ran == 100);
  CHECK(max_waiting <= 3);
  release = true;
}
