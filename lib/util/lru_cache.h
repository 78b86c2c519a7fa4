#pragma once
// A thread-safe least-recently-used map of shared, immutable values, bounded
// by entry count and by an approximate byte cost the caller gives per entry.
// Values are judged by content (a commit's changes, a commit's findings under
// a policy): a key always maps to the same value, so inserting a key already
// present only marks it recent.
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace refguard {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class LruCache {
 public:
  using Pointer = std::shared_ptr<const Value>;

  LruCache(size_t max_entries, size_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}

  Pointer find(const Key& key) {
    std::lock_guard lock(mutex_);
    auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, found->second);
    return found->second->value;
  }

  /// `bytes`: what the entry costs, its key and bookkeeping included. An
  /// entry larger than the whole budget is not kept.
  void insert(const Key& key, Pointer value, size_t bytes) {
    if (!value || max_entries_ == 0 || bytes > max_bytes_) return;
    std::lock_guard lock(mutex_);
    if (auto found = index_.find(key); found != index_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second);
      return;
    }
    lru_.push_front(Entry{key, std::move(value), bytes});
    index_.emplace(key, lru_.begin());
    bytes_ += bytes;
    while (!lru_.empty() && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
      bytes_ -= lru_.back().bytes;
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
  }

  size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  struct Entry {
    Key key;
    Pointer value;
    size_t bytes;
  };

  size_t max_entries_;
  size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash, Equal> index_;
  size_t bytes_ = 0;
};

}  // namespace refguard
