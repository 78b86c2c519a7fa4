#pragma once
// A fixed pool of worker threads for CPU-bound scanning, and a parallel loop
// in which the calling thread works too: a loop started from inside the pool
// can never deadlock waiting for workers that are all busy.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

namespace refguard {

class WorkPool {
 public:
  /// 0 threads = std::thread::hardware_concurrency().
  explicit WorkPool(size_t threads = 0);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  size_t size() const { return threads_; }
  boost::asio::thread_pool& pool() { return pool_; }

  /// Runs body(i) for every i in [0, count) on up to size()+1 threads and
  /// returns when all calls have returned. body must not throw.
  void parallel_for(size_t count, const std::function<void(size_t)>& body);

 private:
  size_t threads_;
  boost::asio::thread_pool pool_;
};

}  // namespace refguard
