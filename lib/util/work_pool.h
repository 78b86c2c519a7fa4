#pragma once
// A fixed pool of worker threads for CPU-bound scanning, and a parallel loop
// in which the calling thread works too: a loop started from inside the pool
// can never deadlock waiting for workers that are all busy.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "util/error.h"

namespace refguard {

class WorkPool {
 public:
  /// 0 threads = std::thread::hardware_concurrency().
  explicit WorkPool(size_t threads = 0);

  /// For a process whose own thread runs the loops (the CLI): one thread
  /// fewer than the cores, since the caller works too. A pool of one per
  /// core put three busy threads on two cores: each waited on the others'
  /// libgit2 pack locks while descheduled, and `refguard scan` of a
  /// 28,000-commit history spent 10-25 % more CPU for no shorter wall time.
  static size_t threads_beside_caller();
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  size_t size() const { return threads_; }
  boost::asio::thread_pool& pool() { return pool_; }

  /// Runs body(i) for every i in [0, count) on up to size()+1 threads and
  /// returns when all calls have returned. body must not throw.
  void parallel_for(size_t count, const std::function<void(size_t)>& body);

  /// Like parallel_for, for bodies that can fail: after the first failure no
  /// new item starts (those running finish), and that failure is returned.
  Expected<void> parallel_for_each_until_error(size_t count, const std::function<Expected<void>(size_t)>& body);

 private:
  size_t threads_;
  boost::asio::thread_pool pool_;
};

/// A parallel loop whose items arrive one at a time from the calling thread
/// (say, blobs as they are read from a repository that only one thread may
/// touch): pool threads run the items while the caller produces the next.
/// When more than `max_queued_weight` waits, the caller runs queued items
/// itself, so memory stays bounded and a pool busy with other work never
/// stalls the loop. Items posted to the pool but not started when finish()
/// returns are dropped by their helpers, never run late.
class StreamingLoop {
 public:
  /// body(item) must not throw; it runs on pool threads and on the caller's.
  StreamingLoop(WorkPool& pool, std::function<void(size_t)> body, uint64_t max_queued_weight);
  ~StreamingLoop();
  StreamingLoop(const StreamingLoop&) = delete;
  StreamingLoop& operator=(const StreamingLoop&) = delete;

  /// Queues one item; `weight` is what it holds in memory until it runs.
  void push(size_t item, uint64_t weight);
  /// Runs what is still queued and waits for the items running elsewhere.
  void finish();

  struct State;

 private:
  WorkPool& pool_;
  std::shared_ptr<State> state_;
  uint64_t max_queued_weight_;
  bool finished_ = false;
};

}  // namespace refguard
