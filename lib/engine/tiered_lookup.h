#pragma once
// A lookup through the two tiers every result cache has: the in-process LRU
// first, then, for its misses only, the fleet's shared cache on Redis in
// batched round trips; what the shared tier answers is kept in-process, so
// the next lookup of it costs no round trip. Used by the scan cache (blob
// findings) and the commit findings cache.
#include <memory>
#include <string>
#include <vector>

#include "util/lru_cache.h"

namespace refguard::engine {

/// One answer per key, null when neither tier has it. `ask_shared(missed)`
/// gets the keys (null where this tier answered) and returns one answer per
/// position; null `ask_shared` means no shared tier. `cost(key, value)` sizes
/// an entry for the LRU. `local_hits`, when given, counts this tier's hits.
template <class Value, class AskShared, class Cost>
std::vector<std::shared_ptr<const Value>> find_in_tiers(LruCache<std::string, const Value>& local,
                                                        const std::vector<const std::string*>& keys,
                                                        bool has_shared, AskShared&& ask_shared, Cost&& cost,
                                                        size_t* local_hits = nullptr) {
  std::vector<std::shared_ptr<const Value>> found(keys.size());
  std::vector<const std::string*> missed;  // same positions, null where found here
  size_t misses = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    found[i] = local.find(*keys[i]);
    if (has_shared) missed.push_back(found[i] ? nullptr : keys[i]);
    misses += found[i] ? 0 : 1;
  }
  if (local_hits) *local_hits = keys.size() - misses;
  if (!has_shared || misses == 0) return found;
  auto shared = ask_shared(missed);
  for (size_t i = 0; i < keys.size(); ++i)
    if (shared[i]) {
      found[i] = shared[i];
      local.insert(*keys[i], shared[i], cost(*keys[i], *shared[i]));
    }
  return found;
}

}  // namespace refguard::engine
