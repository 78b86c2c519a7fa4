#pragma once
// The optional second tier of the scan cache, shared by every refguardd of a
// fleet through Redis: storage nodes and mirrors of one forge share nearly all
// blobs, so a blob scanned by one server is never scanned by the others.
//
// Two kinds of entries, as in-process: a blob's findings at a path, and a
// commit's judgement (what it introduced, engine/commit_findings_cache.h),
// which spares the second server even the commit's tree diffs. Keys are
// content-addressed: the kind and the producer (refguard build and built-in
// rules, as for the scan-cache file), then the in-process key (policy
// digest, then the blob id and path - the path kept whole because a
// detector's result may depend on it - or the commit id). Values are the
// findings (engine/finding_codec.h), masked secrets only. Entries never
// expire by time: Redis evicts them (`maxmemory` with `maxmemory-policy
// allkeys-lru`).
//
// A Redis that is slow or down never blocks or fails a push: every
// connect, read and write has a short timeout; a failed connection is dropped
// and counted, the caller sees misses (local cache only), a warning is logged
// at most once per interval, and a background thread reconnects: lookups only
// take connections that are already open, so nothing on a push's path ever
// waits for a connect. Writes are queued (bounded; dropped when full or when
// Redis is down) and sent by the background thread.
//
// Thread-safe: each lookup borrows a connection of its own from a small pool
// (a redisContext is never shared between threads); the writer has its own.
// The background thread pings an idle connection every couple of seconds, so
// a Redis that dies between pushes shows as down in `refguard status`.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "engine/finding.h"
#include "util/error.h"

struct redisContext;

namespace refguard::engine {

struct RedisContextFree {
  void operator()(redisContext* context) const noexcept;
};
/// An owned hiredis connection.
using RedisContext = std::unique_ptr<redisContext, RedisContextFree>;

/// Where Redis listens: `redis://HOST:PORT` or `unix:///path/to/redis.sock`.
struct SharedCacheAddress {
  std::string host;         // TCP, when socket_path is empty
  uint16_t port = 6379;
  std::string socket_path;  // a Unix socket
  // Credentials sent with AUTH on every connection (--shared-cache-auth);
  // never printed. An empty password: no AUTH.
  std::string user;
  std::string password;
  /// As given on the command line, for logs and `refguard status`.
  std::string text() const;
};
Expected<SharedCacheAddress> parse_shared_cache_address(std::string_view url);
/// Reads Redis credentials from `path` into `address`: its first line, a
/// password or "USER PASSWORD" (a Redis ACL user). Refused when the file is
/// readable or writable by other users (a password anyone can read
/// protects nothing) or empty.
Expected<void> read_shared_cache_auth(const std::string& path, SharedCacheAddress& address);

struct SharedCacheOptions {
  SharedCacheAddress address;
  std::chrono::milliseconds timeout{30};       // each connect, read and write
  std::chrono::milliseconds reconnect{1000};   // between attempts while Redis is down
  std::chrono::milliseconds health_check{2000};  // idle connections are pinged this often
  size_t connections = 4;                      // lookup connections (plus one writer)
  size_t max_queued_bytes = 32u << 20;         // writes waiting for the background thread
  std::chrono::milliseconds log_interval{60000};  // at most one warning per interval
  size_t keys_per_request = 1000;              // MGET size
};

class SharedScanCache {
 public:
  using Findings = std::shared_ptr<const std::vector<BlobFinding>>;
  using Judgement = std::shared_ptr<const CommitJudgement>;

  /// Starts the background thread, which connects; returns at once.
  explicit SharedScanCache(SharedCacheOptions options);
  /// Stops the background thread (bounded by the timeouts); queued writes are dropped.
  ~SharedScanCache();
  SharedScanCache(const SharedScanCache&) = delete;
  SharedScanCache& operator=(const SharedScanCache&) = delete;

  /// The Redis key for an in-process scan-cache key (ScanCache::key).
  static std::string redis_key(std::string_view scan_cache_key);
  /// The Redis key for an in-process commit-findings key (CommitFindingsCache::key).
  static std::string redis_commit_key(std::string_view commit_cache_key);

  /// Looks up every key (in-process keys; null = not wanted) in batched
  /// round trips; the answer has one entry per key, null when absent, not
  /// asked, or Redis is unavailable. Never waits for a connect.
  std::vector<Findings> find_many(const std::vector<const std::string*>& keys);
  /// Queues the findings for Redis; never blocks on the network.
  void insert(const std::string& key, const std::vector<BlobFinding>& findings);
  /// The same for commits' judgements (CommitFindingsCache keys).
  std::vector<Judgement> find_many_commits(const std::vector<const std::string*>& keys);
  void insert_commit(const std::string& key, const CommitJudgement& judgement);

  struct Counters {
    uint64_t hits = 0;      // blob keys found in Redis
    uint64_t misses = 0;    // blob keys asked and absent
    uint64_t commit_hits = 0;    // commit keys found in Redis
    uint64_t commit_misses = 0;  // commit keys asked and absent
    uint64_t errors = 0;    // failed connects, requests, writes (timeouts included)
    uint64_t stored = 0;    // entries written
    uint64_t dropped = 0;   // entries not written: Redis down or the queue full
    bool connected = false; // a lookup connection is open now
  };
  Counters counters() const;
  const SharedCacheAddress& address() const { return options_.address; }

 private:
  struct Write {
    std::string key, value;
  };
  /// Takes one answer: its position among the keys and the value Redis
  /// holds; false when the value does not decode (counted as a miss).
  using Accept = std::function<bool(size_t position, std::string_view value)>;
  using RedisKey = std::string (*)(std::string_view);
  /// Counts the hits; misses = keys asked - hits.
  uint64_t look_up(const std::vector<const std::string*>& keys, RedisKey key_of, const Accept& accept);
  /// look_up() of keys whose values `decode(bytes, Value&)` reads, counted in
  /// `hits` and `misses`.
  template <class Value, class Decode>
  std::vector<std::shared_ptr<const Value>> find_decoded(const std::vector<const std::string*>& keys, RedisKey key_of,
                                                         Decode decode, std::atomic<uint64_t>& hits,
                                                         std::atomic<uint64_t>& misses);
  /// False (and the entry counted as dropped) while Redis is down.
  bool accepts_writes();
  void queue_write(Write write);
  RedisContext connect();
  RedisContext borrow();
  void give_back(RedisContext context);
  size_t look_up_batch(redisContext* context, const std::vector<const std::string*>& keys, size_t from,
                       RedisKey key_of, const Accept& accept, uint64_t& hits);
  void run();
  bool top_up_connections();
  void check_health();
  void send_writes(const std::vector<Write>& writes);
  size_t pipeline_writes(const std::vector<Write>& writes);
  void note_error(std::string_view what);
  void note_connected();

  SharedCacheOptions options_;
  mutable std::mutex mutex_;  // guards idle_, open_, queue_, queued_bytes_, stopping_
  std::condition_variable wake_;
  std::vector<RedisContext> idle_;
  size_t open_ = 0;  // idle or borrowed
  std::vector<Write> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  RedisContext writer_;  // the background thread's own

  std::mutex log_mutex_;
  std::chrono::steady_clock::time_point last_log_{};
  uint64_t errors_at_log_ = 0;
  bool reported_up_ = false;

  std::atomic<uint64_t> hits_{0}, misses_{0}, commit_hits_{0}, commit_misses_{0}, errors_{0}, stored_{0}, dropped_{0};
  std::atomic<bool> connected_{false};
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace refguard::engine
