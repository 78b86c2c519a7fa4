#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "engine/commit_findings_cache.h"
#include "engine/finding_codec.h"
#include "engine/scan_cache.h"
#include "engine/shared_scan_cache.h"
#include "object_ids.h"
#include "util/unique_fd.h"

using namespace refguard::engine;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<BlobFinding> sample_findings() {
  BlobFinding a;
  a.rule = 3;
  a.line = 17;
  a.severity = refguard::detect::Severity::kWarn;
  a.masked = "sk-ant-…(97 chars)";
  a.detail = "entropy 4.9";
  a.where = "cell 2";
  a.secret_hash = 0x0123456789abcdefull;
  BlobFinding b;
  b.rule = 0;
  b.line = 0;
  return {a, b};
}

// A loopback TCP socket that listens but never accepts nor answers: the
// kernel completes the handshake, so a client connects, then waits forever.
struct SilentServer {
  refguard::UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  uint16_t port = 0;
  SilentServer() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(fd.get(), 16) == 0);
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port = ntohs(address.sin_port);
  }
};

// A loopback port nobody listens on (bound, then closed).
uint16_t refused_port() {
  SilentServer server;
  return server.port;
}

SharedCacheOptions options_for(uint16_t port) {
  SharedCacheOptions options;
  options.address.host = "127.0.0.1";
  options.address.port = port;
  options.timeout = std::chrono::milliseconds(30);
  options.reconnect = std::chrono::milliseconds(50);
  options.connections = 2;
  return options;
}

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  for (auto until = Clock::now() + limit; Clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(5)))
    if (predicate()) return true;
  return predicate();
}

}  // namespace

TEST_CASE("findings survive encoding for the shared cache", "[shared_cache]") {
  auto findings = sample_findings();
  std::vector<BlobFinding> decoded;
  REQUIRE(decode_findings(encode_findings(findings), decoded));
  REQUIRE(decoded.size() == 2);
  CHECK(decoded[0].rule == 3);
  CHECK(decoded[0].line == 17);
  CHECK(decoded[0].severity == refguard::detect::Severity::kWarn);
  CHECK(decoded[0].masked == findings[0].masked);
  CHECK(decoded[0].detail == "entropy 4.9");
  CHECK(decoded[0].where == "cell 2");
  CHECK(decoded[0].secret_hash == 0x0123456789abcdefull);
  CHECK(decoded[1].severity == refguard::detect::Severity::kBlock);
  std::vector<BlobFinding> none;
  REQUIRE(decode_findings(encode_findings({}), none));
  CHECK(none.empty());
}

TEST_CASE("a malformed shared cache value is refused, never half read", "[shared_cache]") {
  std::string good = encode_findings(sample_findings());
  std::vector<BlobFinding> out;
  CHECK_FALSE(decode_findings("", out));
  CHECK_FALSE(decode_findings(good + "x", out));  // trailing bytes
  for (size_t cut = 0; cut < good.size(); ++cut) CHECK_FALSE(decode_findings(good.substr(0, cut), out));
  std::string other_format = good;
  other_format[0] = 9;
  CHECK_FALSE(decode_findings(other_format, out));
  std::string bad_severity = good;
  bad_severity[1 + 4 + 4 + 4] = 7;  // format, count, rule, line, then severity
  CHECK_FALSE(decode_findings(bad_severity, out));
  std::string huge_count = good;
  huge_count[4] = '\x7f';  // count's high byte: far more findings than bytes
  CHECK_FALSE(decode_findings(huge_count, out));
}

TEST_CASE("a commit's judgement survives encoding; a malformed one is refused", "[shared_cache]") {
  CommitJudgement judgement;
  judgement.commit.summary = "Merge branch 'feature'";
  for (char c : {'1', '2'}) judgement.commit.parents.push_back(*refguard::git::ObjectId::from_hex(std::string(40, c)));
  judgement.files = 41;
  for (const auto& f : sample_findings()) judgement.findings.push_back({"dir/file " + std::to_string(f.line), f});
  std::string good = encode_commit_judgement(judgement);
  CommitJudgement decoded;
  REQUIRE(decode_commit_judgement(good, decoded));
  CHECK(decoded.commit.summary == "Merge branch 'feature'");
  CHECK(decoded.commit.parents == judgement.commit.parents);
  CHECK(decoded.files == 41);
  REQUIRE(decoded.findings.size() == 2);
  CHECK(decoded.findings[0].path == "dir/file 17");
  CHECK(decoded.findings[0].finding.masked == judgement.findings[0].finding.masked);
  CHECK(decoded.findings[1].finding.severity == refguard::detect::Severity::kBlock);
  CHECK(decode_commit_judgement(encode_commit_judgement({}), decoded));
  CHECK(decoded.findings.empty());
  CHECK_FALSE(decode_commit_judgement(good + "x", decoded));
  std::string many_parents = good;
  many_parents[4] = '\x7f';  // parent count's high byte: far more parents than bytes
  CHECK_FALSE(decode_commit_judgement(many_parents, decoded));
  for (size_t cut = 0; cut < good.size(); ++cut) CHECK_FALSE(decode_commit_judgement(good.substr(0, cut), decoded));
  // A blob's findings are not a commit's judgement, nor the other way round.
  std::vector<BlobFinding> blob;
  CHECK_FALSE(decode_findings(good, blob));
  CHECK_FALSE(decode_commit_judgement(encode_findings(sample_findings()), decoded));
}

TEST_CASE("shared cache addresses: redis://HOST:PORT and unix:///path", "[shared_cache]") {
  auto tcp = parse_shared_cache_address("redis://10.0.0.5:6380");
  REQUIRE(tcp);
  CHECK(tcp->host == "10.0.0.5");
  CHECK(tcp->port == 6380);
  CHECK(tcp->text() == "redis://10.0.0.5:6380");
  auto default_port = parse_shared_cache_address("redis://cache.internal");
  REQUIRE(default_port);
  CHECK(default_port->port == 6379);
  auto ipv6 = parse_shared_cache_address("redis://[::1]:7000");
  REQUIRE(ipv6);
  CHECK(ipv6->host == "::1");
  auto unix_socket = parse_shared_cache_address("unix:///run/redis/redis.sock");
  REQUIRE(unix_socket);
  CHECK(unix_socket->socket_path == "/run/redis/redis.sock");
  CHECK(unix_socket->text() == "unix:///run/redis/redis.sock");
  for (const char* bad : {"", "redis://", "redis://host:0", "redis://host:70000", "redis://host:port",
                          "http://host:6379", "unix://relative.sock", "redis://user@host:6379"})
    CHECK_FALSE(parse_shared_cache_address(bad));
}

TEST_CASE("shared cache keys carry the producer and the whole local key", "[shared_cache]") {
  std::string local = ScanCache::key("digest", refguard::test::numbered_id(7), "a/b.py");
  std::string key = SharedScanCache::redis_key(local);
  CHECK(key.starts_with("refguard:scan:"));
  CHECK(key.ends_with(":" + local));
  CHECK(SharedScanCache::redis_key(ScanCache::key("digest", refguard::test::numbered_id(7), "a/c.py")) != key);
  // A commit's entry lives apart from blobs' entries.
  std::string commit = SharedScanCache::redis_commit_key(CommitFindingsCache::key("digest", refguard::test::numbered_id(7)));
  CHECK(commit.starts_with("refguard:commit:"));
  CHECK(commit.ends_with(":digest:" + refguard::test::numbered_id(7).hex()));
}

TEST_CASE("a shared cache that is down answers misses at once and counts errors", "[shared_cache]") {
  SharedScanCache shared(options_for(refused_port()));
  CHECK(eventually([&] { return shared.counters().errors > 0; }));
  std::string key = "digest:blob:path";
  auto started = Clock::now();
  for (int i = 0; i < 100; ++i) {
    auto found = shared.find_many({&key});
    REQUIRE(found.size() == 1);
    CHECK(found[0] == nullptr);
  }
  CHECK(Clock::now() - started < std::chrono::milliseconds(100));  // no connect on the caller's path
  shared.insert(key, sample_findings());
  auto counters = shared.counters();
  CHECK_FALSE(counters.connected);
  CHECK(counters.dropped == 1);
  CHECK(counters.hits == 0);
}

TEST_CASE("a shared cache that never answers is never taken as connected, and costs a push nothing",
          "[shared_cache]") {
  std::signal(SIGPIPE, SIG_IGN);
  SilentServer silent;
  SharedScanCache shared(options_for(silent.port));
  // The TCP handshake completes, the PING every connection starts with times out.
  REQUIRE(eventually([&] { return shared.counters().errors > 0; }));
  CHECK_FALSE(shared.counters().connected);
  std::vector<std::string> keys(2500);
  std::vector<const std::string*> wanted;
  for (size_t i = 0; i < keys.size(); ++i) {
    keys[i] = "digest:" + std::to_string(i) + ":path";
    wanted.push_back(&keys[i]);
  }
  auto started = Clock::now();
  auto found = shared.find_many(wanted);
  auto took = Clock::now() - started;
  CHECK(took < std::chrono::milliseconds(100));  // no connection to wait on
  REQUIRE(found.size() == keys.size());
  for (const auto& f : found) CHECK(f == nullptr);
  CHECK(shared.counters().hits == 0);
}

TEST_CASE("a Redis that dies while the pool fills is noticed, not shown as connected", "[shared_cache]") {
  std::signal(SIGPIPE, SIG_IGN);
  SilentServer server;
  std::atomic<bool> stop{false};
  // One connection, answered (every command is a PING here) until `stop`;
  // no other connection is accepted: the pool of two never fills.
  std::thread redis([&] {
    refguard::UniqueFd client(::accept(server.fd.get(), nullptr, nullptr));
    server.fd.reset();
    while (!stop) {
      pollfd ready{client.get(), POLLIN, 0};
      if (::poll(&ready, 1, 10) <= 0) continue;
      char request[256];
      if (::read(client.get(), request, sizeof request) <= 0) break;
      if (::write(client.get(), "+PONG\r\n", 7) != 7) break;
    }
  });
  SharedScanCache shared(options_for(server.port));
  CHECK(eventually([&] { return shared.counters().connected; }));
  stop = true;
  redis.join();  // the one connection closes: Redis is gone
  CHECK(eventually([&] { return !shared.counters().connected; }));
}

TEST_CASE("the scan cache keeps answering from memory when its shared tier is down", "[shared_cache]") {
  SharedScanCache shared(options_for(refused_port()));
  ScanCache cache;
  cache.set_shared(&shared);
  std::string a = "d:a:p", b = "d:b:p";
  cache.insert(a, std::make_shared<const std::vector<BlobFinding>>(sample_findings()));
  auto found = cache.find_many({&a, &b});
  REQUIRE(found.size() == 2);
  REQUIRE(found[0]);
  CHECK(found[0]->size() == 2);
  CHECK(found[1] == nullptr);
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);
}
