#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/lru_cache.h"

using refguard::LruCache;

namespace {

std::shared_ptr<const std::string> value(const std::string& text) { return std::make_shared<const std::string>(text); }

}  // namespace

TEST_CASE("lru cache: evicts the least recently used first, found or inserted", "[lru_cache]") {
  LruCache<int, const std::string> cache(16, 1u << 20);
  for (int i = 0; i < 16; ++i) cache.insert(i, value(std::to_string(i)), 10);
  for (int i = 0; i < 8; ++i) REQUIRE(cache.find(i));  // 0..7 are now the most recent
  cache.insert(3, value("3"), 10);                      // already present: only marked recent
  CHECK(cache.size() == 16);
  cache.insert(100, value("100"), 10);  // one over: evicts in a batch, down to 7/8 of the limit
  CHECK(cache.size() == 14);
  CHECK(cache.bytes() == 140);
  for (int i = 0; i < 8; ++i) CHECK(cache.find(i));
  CHECK(cache.find(100));
  CHECK_FALSE(cache.find(8));  // the three least recently used went
  CHECK_FALSE(cache.find(9));
  CHECK_FALSE(cache.find(10));
  CHECK(*cache.find(11) == "11");
}

TEST_CASE("lru cache: bounded by bytes, and an entry over the whole budget is not kept", "[lru_cache]") {
  LruCache<std::string, const std::string> cache(1000, 800);
  cache.insert("huge", value("x"), 801);
  CHECK_FALSE(cache.find("huge"));
  CHECK(cache.size() == 0);
  for (int i = 0; i < 100; ++i) {
    cache.insert("k" + std::to_string(i), value("v"), 100);
    CHECK(cache.bytes() <= 800);
  }
  CHECK(cache.find("k99"));  // the newest always stays
  CHECK_FALSE(cache.find("k0"));
  CHECK(cache.size() == cache.bytes() / 100);
}

TEST_CASE("lru cache: a one-entry cache keeps the newest entry", "[lru_cache]") {
  LruCache<int, const std::string> cache(1, 1u << 20);
  cache.insert(1, value("one"), 5);
  cache.insert(2, value("two"), 5);
  CHECK(cache.size() == 1);
  CHECK_FALSE(cache.find(1));
  REQUIRE(cache.find(2));
  CHECK(*cache.find(2) == "two");
  CHECK(cache.bytes() == 5);
}

TEST_CASE("lru cache: stays bounded and consistent under concurrent use", "[lru_cache]") {
  LruCache<int, const std::string> cache(64, 1u << 20);
  std::atomic<int> wrong{0};  // Catch2 assertions are not thread-safe: count, then check once
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        int key = (i * 7 + t * 13) % 200;
        if (auto found = cache.find(key)) {
          if (*found != std::to_string(key)) ++wrong;  // a key always maps to its own value
        } else {
          cache.insert(key, value(std::to_string(key)), 16);
        }
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(cache.size() <= 64);
  CHECK(cache.bytes() == cache.size() * 16);
}
