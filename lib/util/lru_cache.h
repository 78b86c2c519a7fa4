#pragma once
// A thread-safe least-recently-used map of shared, immutable values, bounded
// by entry count and by an approximate byte cost the caller gives per entry.
// Values are judged by content (a commit's changes, a commit's findings under
// a policy, a blob's findings, an open repository): a key always maps to the
// same value, so inserting a key already present only marks it recent and
// returns the value already kept. Use a const Value for immutable values.
//
// Why not a linked list in use order: a re-push walks tens of thousands of
// cached commits, and moving each list node to the front cost several cache
// misses per lookup (a quarter of such a push's check). Here an entry holds
// the tick of its last use in an open-addressing map (one probe, no node),
// and eviction is batched: when a limit is passed, the least recently used
// entries go until both limits have an eighth to spare, so sorting by tick
// happens once per many inserts.
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

namespace refguard {

template <class Key, class Value, class Hash = std::hash<Key>, class Equal = std::equal_to<Key>>
class LruCache {
 public:
  using Pointer = std::shared_ptr<Value>;

  LruCache(size_t max_entries, size_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}

  Pointer find(const Key& key) {
    std::lock_guard lock(mutex_);
    auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    found->second.last_used = ++clock_;
    return found->second.value;
  }

  /// `bytes`: what the entry costs, its key and bookkeeping included. An
  /// entry larger than the whole budget is not kept. Returns the value kept
  /// under `key`: `value`, or the one another thread inserted first.
  Pointer insert(const Key& key, Pointer value, size_t bytes) {
    if (!value || max_entries_ == 0 || bytes > max_bytes_) return value;
    std::lock_guard lock(mutex_);
    auto [at, added] = index_.try_emplace(key, Slot{value, bytes, ++clock_});
    if (!added) {
      at->second.last_used = clock_;
      return at->second.value;
    }
    bytes_ += bytes;
    if (index_.size() > max_entries_ || bytes_ > max_bytes_) evict_locked();
    return value;
  }

  /// Every entry, most recently used first (for persisting).
  std::vector<std::pair<Key, Pointer>> snapshot() const {
    std::vector<std::tuple<uint64_t, Key, Pointer>> by_recency;
    {
      std::lock_guard lock(mutex_);
      by_recency.reserve(index_.size());
      for (const auto& [key, slot] : index_) by_recency.emplace_back(slot.last_used, key, slot.value);
    }
    std::sort(by_recency.begin(), by_recency.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    std::vector<std::pair<Key, Pointer>> out;
    out.reserve(by_recency.size());
    for (auto& [tick, key, value] : by_recency) out.emplace_back(std::move(key), std::move(value));
    return out;
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return index_.size();
  }

  size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  struct Slot {
    Pointer value;
    size_t bytes;
    uint64_t last_used;
  };

  // Keeps the most recent entries that fit in 7/8 of each limit (at least
  // the newest one, which fits the whole budget by insert's check).
  void evict_locked() {
    size_t keep_entries = std::max<size_t>(1, max_entries_ - max_entries_ / 8);
    size_t keep_bytes = max_bytes_ - max_bytes_ / 8;
    struct Use {
      uint64_t tick;
      size_t bytes;
    };
    std::vector<Use> by_recency;
    by_recency.reserve(index_.size());
    for (const auto& entry : index_) by_recency.push_back({entry.second.last_used, entry.second.bytes});
    std::sort(by_recency.begin(), by_recency.end(), [](const Use& a, const Use& b) { return a.tick > b.tick; });
    size_t kept = 0, kept_bytes = 0;
    for (; kept < by_recency.size() && kept < keep_entries; ++kept) {
      if (kept > 0 && kept_bytes + by_recency[kept].bytes > keep_bytes) break;
      kept_bytes += by_recency[kept].bytes;
    }
    // Every use takes a new tick, so the oldest tick kept splits the map.
    uint64_t oldest_kept = by_recency[kept - 1].tick;
    boost::unordered::erase_if(index_, [&](const auto& entry) { return entry.second.last_used < oldest_kept; });
    bytes_ = kept_bytes;
  }

  size_t max_entries_;
  size_t max_bytes_;
  mutable std::mutex mutex_;
  boost::unordered_flat_map<Key, Slot, Hash, Equal> index_;
  uint64_t clock_ = 0;  // ticks once per use
  size_t bytes_ = 0;
};

}  // namespace refguard
