#include "engine/shared_scan_cache.h"

#include <hiredis/hiredis.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

#include "engine/finding_codec.h"
#include "engine/scan_cache_file.h"
#include "util/log.h"
#include "util/small_file.h"
#include "util/stable_hash.h"

namespace refguard::engine {

namespace {

struct ReplyFree {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// Why a context failed, for the log.
std::string context_error(const redisContext* context) {
  if (!context) return "cannot allocate a connection";
  return context->errstr[0] ? context->errstr : "unknown error";
}

// Results from another build's detectors are not reused (as for the file).
const std::string& key_prefix() {
  static const std::string prefix = fmt::format("refguard:scan:{:016x}:", stable_hash(scan_cache_producer()));
  return prefix;
}
const std::string& commit_key_prefix() {
  static const std::string prefix = fmt::format("refguard:commit:{:016x}:", stable_hash(scan_cache_producer()));
  return prefix;
}

}  // namespace

void RedisContextFree::operator()(redisContext* context) const noexcept { redisFree(context); }

std::string SharedCacheAddress::text() const {
  return socket_path.empty() ? fmt::format("redis://{}:{}", host, port) : "unix://" + socket_path;
}

Expected<SharedCacheAddress> parse_shared_cache_address(std::string_view url) {
  SharedCacheAddress address;
  constexpr std::string_view kUnix = "unix://", kRedis = "redis://";
  if (url.starts_with(kUnix)) {
    address.socket_path = std::string(url.substr(kUnix.size()));
    if (!address.socket_path.starts_with('/'))
      return fail("--shared-cache " + std::string(url) + ": a Unix socket needs an absolute path (unix:///path)");
    return address;
  }
  if (!url.starts_with(kRedis))
    return fail("--shared-cache " + std::string(url) + ": expected redis://HOST:PORT or unix:///path/to/redis.sock");
  std::string_view rest = url.substr(kRedis.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  std::string_view host = colon == std::string_view::npos ? rest : rest.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);  // [::1]
  if (rest.find('@') != std::string_view::npos)
    return fail("--shared-cache: no credentials in the URL (the command line is visible to every local user); "
                "put them in a file given with --shared-cache-auth");
  if (host.empty() || host.find_first_of("/?") != std::string_view::npos)
    return fail("--shared-cache " + std::string(url) + ": expected redis://HOST:PORT");
  address.host = std::string(host);
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail("--shared-cache " + std::string(url) + ": the port must be 1-65535");
    address.port = static_cast<uint16_t>(value);
  }
  return address;
}

Expected<void> read_shared_cache_auth(const std::string& path, SharedCacheAddress& address) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0)
    return fail("--shared-cache-auth " + path + ": " + std::strerror(errno));
  if (!S_ISREG(status.st_mode)) return fail("--shared-cache-auth " + path + ": not a regular file");
  if (status.st_mode & (S_IRWXO | S_IWGRP))
    return fail("--shared-cache-auth " + path + ": other users can read or change it (chmod 600, or 640 for a group)");
  auto text = read_small_file(path, 4096, "credentials file");
  if (!text) return fail("--shared-cache-auth " + text.error().message);
  if (!*text) return fail("--shared-cache-auth " + path + ": no such file");
  std::string_view line = **text;
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t space = line.find(' ');
  std::string_view user = space == std::string_view::npos ? std::string_view() : line.substr(0, space);
  std::string_view password = space == std::string_view::npos ? line : line.substr(space + 1);
  if (password.empty()) return fail("--shared-cache-auth " + path + ": the first line holds no password");
  address.user = std::string(user);
  address.password = std::string(password);
  return {};
}

SharedScanCache::SharedScanCache(SharedCacheOptions options)
    : options_(std::move(options)), thread_([this] { run(); }) {}

SharedScanCache::~SharedScanCache() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string SharedScanCache::redis_key(std::string_view scan_cache_key) {
  std::string key = key_prefix();
  key.append(scan_cache_key);
  return key;
}

std::string SharedScanCache::redis_commit_key(std::string_view commit_cache_key) {
  std::string key = commit_key_prefix();
  key.append(commit_cache_key);
  return key;
}

RedisContext SharedScanCache::connect() {
  const auto& a = options_.address;
  timeval timeout = to_timeval(options_.timeout);
  RedisContext context(a.socket_path.empty() ? redisConnectWithTimeout(a.host.c_str(), a.port, timeout)
                                             : redisConnectUnixWithTimeout(a.socket_path.c_str(), timeout));
  if (!context || context->err || redisSetTimeout(context.get(), timeout) != REDIS_OK) {
    note_error("cannot connect: " + context_error(context.get()));
    return nullptr;
  }
  // AUTH with the credentials, if any; else a PING: a Redis that wants a
  // password answers it with NOAUTH, and the connection is not kept.
  std::vector<const char*> argv{a.password.empty() ? "PING" : "AUTH"};
  std::vector<size_t> lengths{4};
  if (!a.password.empty() && !a.user.empty()) {
    argv.push_back(a.user.data());
    lengths.push_back(a.user.size());
  }
  if (!a.password.empty()) {
    argv.push_back(a.password.data());
    lengths.push_back(a.password.size());
  }
  RedisReply reply(static_cast<redisReply*>(
      redisCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply && reply->type != REDIS_REPLY_ERROR) return context;
  note_error((a.password.empty() ? "refused: " : "authentication refused: ") +
             (reply ? std::string(reply->str, reply->len) : context_error(context.get())));
  return nullptr;
}

RedisContext SharedScanCache::borrow() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return nullptr;
  RedisContext context = std::move(idle_.back());
  idle_.pop_back();
  return context;
}

void SharedScanCache::give_back(RedisContext context) {
  std::lock_guard lock(mutex_);
  if (context) {
    idle_.push_back(std::move(context));
    return;
  }
  // A failed connection is dropped, and the idle ones with it: they lead to
  // the same Redis, so the next pushes would only wait for their timeouts.
  // The background thread opens new ones.
  open_ -= 1 + idle_.size();
  idle_.clear();
  connected_ = open_ > 0;
  wake_.notify_all();
}

template <class Value, class Decode>
std::vector<std::shared_ptr<const Value>> SharedScanCache::find_decoded(const std::vector<const std::string*>& keys,
                                                                        RedisKey key_of, Decode decode,
                                                                        std::atomic<uint64_t>& hits,
                                                                        std::atomic<uint64_t>& misses) {
  std::vector<std::shared_ptr<const Value>> out(keys.size());
  uint64_t asked = std::count_if(keys.begin(), keys.end(), [](const std::string* key) { return key != nullptr; });
  uint64_t found = look_up(keys, key_of, [&](size_t position, std::string_view bytes) {
    Value value;
    if (!decode(bytes, value)) return false;
    out[position] = std::make_shared<const Value>(std::move(value));
    return true;
  });
  hits += found;
  misses += asked - found;
  return out;
}

std::vector<SharedScanCache::Findings> SharedScanCache::find_many(const std::vector<const std::string*>& keys) {
  return find_decoded<std::vector<BlobFinding>>(keys, &redis_key, decode_findings, hits_, misses_);
}

std::vector<SharedScanCache::Judgement> SharedScanCache::find_many_commits(const std::vector<const std::string*>& keys) {
  return find_decoded<CommitJudgement>(keys, &redis_commit_key, decode_commit_judgement, commit_hits_, commit_misses_);
}

// Every wanted key in MGETs of keys_per_request on one borrowed connection;
// a key not asked (Redis down, every connection busy, a failed request) is a miss.
uint64_t SharedScanCache::look_up(const std::vector<const std::string*>& keys, RedisKey key_of,
                                  const Accept& accept) {
  uint64_t hits = 0;
  if (keys.empty()) return hits;
  RedisContext context = borrow();
  if (!context) return hits;  // down, or every connection busy: local cache only
  for (size_t from = 0; from < keys.size();) {
    size_t next = look_up_batch(context.get(), keys, from, key_of, accept, hits);
    if (next == from) {  // failed: drop the connection, the rest are not asked
      context.reset();
      break;
    }
    from = next;
  }
  give_back(std::move(context));
  return hits;
}

// One MGET of up to keys_per_request wanted keys from `from`; returns where
// the next batch starts, or `from` when the request failed.
size_t SharedScanCache::look_up_batch(redisContext* context, const std::vector<const std::string*>& keys, size_t from,
                                      RedisKey key_of, const Accept& accept, uint64_t& hits) {
  std::vector<std::string> names;
  std::vector<size_t> positions;
  size_t end = from;
  for (; end < keys.size() && names.size() < options_.keys_per_request; ++end)
    if (keys[end]) {
      names.push_back(key_of(*keys[end]));
      positions.push_back(end);
    }
  if (names.empty()) return end;
  std::vector<const char*> argv{"MGET"};
  std::vector<size_t> lengths{4};
  for (const auto& name : names) {
    argv.push_back(name.data());
    lengths.push_back(name.size());
  }
  RedisReply reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != names.size()) {
    note_error(reply ? (reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len) : "unexpected reply")
                     : "lookup failed: " + context_error(context));
    return from;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const redisReply* element = reply->element[i];
    if (element->type == REDIS_REPLY_STRING && accept(positions[i], {element->str, element->len})) ++hits;
  }
  return end;
}

void SharedScanCache::insert(const std::string& key, const std::vector<BlobFinding>& findings) {
  if (accepts_writes()) queue_write({redis_key(key), encode_findings(findings)});
}

void SharedScanCache::insert_commit(const std::string& key, const CommitJudgement& judgement) {
  if (accepts_writes()) queue_write({redis_commit_key(key), encode_commit_judgement(judgement)});
}

// Down: queueing would only fill memory with writes that fail.
bool SharedScanCache::accepts_writes() {
  if (connected_) return true;
  ++dropped_;
  return false;
}

void SharedScanCache::queue_write(Write write) {
  size_t bytes = write.key.size() + write.value.size();
  {
    std::lock_guard lock(mutex_);
    if (queued_bytes_ + bytes > options_.max_queued_bytes) {
      ++dropped_;
      return;
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(write));
  }
  wake_.notify_one();
}

SharedScanCache::Counters SharedScanCache::counters() const {
  return {hits_, misses_, commit_hits_, commit_misses_, errors_, stored_, dropped_, connected_};
}

// The background thread: sends queued writes and keeps the lookup pool full,
// retrying once per `reconnect` interval while Redis is down.
void SharedScanCache::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!queue_.empty()) {
      std::vector<Write> writes;
      writes.swap(queue_);
      queued_bytes_ = 0;
      lock.unlock();
      send_writes(writes);
      lock.lock();
    } else if (open_ < options_.connections) {
      lock.unlock();
      bool full = top_up_connections();
      // The ones already open may have died with the Redis that now refuses
      // new ones: without this, a pool left partly filled would never be
      // pinged and would show as connected for as long as Redis is down.
      if (!full) check_health();
      lock.lock();
      if (!full) wake_.wait_for(lock, options_.reconnect, [this] { return stopping_ || !queue_.empty(); });
    } else if (!wake_.wait_for(lock, options_.health_check,
                               [this] { return stopping_ || !queue_.empty() || open_ < options_.connections; })) {
      lock.unlock();
      check_health();
      lock.lock();
    }
  }
}

// Pings one idle connection, so that a Redis that died between pushes shows
// as down (and is reconnected to) before a push finds out.
void SharedScanCache::check_health() {
  RedisContext context = borrow();
  if (!context) return;
  RedisReply reply(static_cast<redisReply*>(redisCommand(context.get(), "PING")));
  if (!reply || reply->type == REDIS_REPLY_ERROR) {
    note_error("ping failed: " + (reply ? std::string(reply->str, reply->len) : context_error(context.get())));
    context.reset();
  }
  give_back(std::move(context));
}

// Opens lookup connections up to the pool's size; false when one failed.
bool SharedScanCache::top_up_connections() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || open_ >= options_.connections) return true;
    }
    RedisContext context = connect();
    if (!context) return false;
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(context));
      ++open_;
      connected_ = true;
    }
    note_connected();
  }
}

// Pipelined SETs on the writer's connection; on failure the rest are
// dropped. A connection that sat idle may have died with an earlier Redis: when
// it fails before the first reply, the batch is tried once more on a new one.
void SharedScanCache::send_writes(const std::vector<Write>& writes) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = writer_ != nullptr;
    if (!writer_) writer_ = connect();
    if (!writer_) break;
    size_t done = pipeline_writes(writes);
    if (done == writes.size()) return;
    if (!(done == 0 && reused)) {
      dropped_ += writes.size() - done;
      return;
    }
  }
  dropped_ += writes.size();
}

// Returns how many replies were read; resets writer_ on a connection error.
size_t SharedScanCache::pipeline_writes(const std::vector<Write>& writes) {
  for (const auto& w : writes) {
    const char* argv[] = {"SET", w.key.data(), w.value.data()};
    size_t lengths[] = {3, w.key.size(), w.value.size()};
    redisAppendCommandArgv(writer_.get(), 3, argv, lengths);
  }
  for (size_t done = 0; done < writes.size(); ++done) {
    void* raw = nullptr;
    if (redisGetReply(writer_.get(), &raw) != REDIS_OK) {
      note_error("write failed: " + context_error(writer_.get()));
      writer_.reset();
      return done;
    }
    RedisReply reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {  // e.g. OOM under maxmemory with noeviction
      note_error("write refused: " + std::string(reply->str, reply->len));
      ++dropped_;
    } else {
      ++stored_;
    }
  }
  return writes.size();
}

// Rate-limited: the first error after being up is logged at once, then at
// most one line per log_interval, with how many errors it stands for.
void SharedScanCache::note_error(std::string_view what) {
  uint64_t errors = ++errors_;
  std::lock_guard lock(log_mutex_);
  auto now = std::chrono::steady_clock::now();
  if (!reported_up_ && errors_at_log_ > 0 && now - last_log_ < options_.log_interval) return;
  log_line(LogLevel::kWarning, "shared cache unavailable; using the local scan cache only",
           {{"address", options_.address.text()},
            {"error", std::string(what)},
            {"errors", std::to_string(errors - errors_at_log_)}});
  last_log_ = now;
  errors_at_log_ = errors;
  reported_up_ = false;
}

void SharedScanCache::note_connected() {
  std::lock_guard lock(log_mutex_);
  if (reported_up_) return;
  log_line(LogLevel::kInfo, "shared cache connected", {{"address", options_.address.text()}});
  reported_up_ = true;
}

}  // namespace refguard::engine
