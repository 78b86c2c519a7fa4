// The daemon's session state machine over a real socket pair: reading a
// request within its deadline, handing it to the handler, streaming lines,
// ending with the verdict, and every way it refuses.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ipc/reply.h"
#include "ipc/request.h"
#include "server/session.h"

using namespace refguard;
using namespace std::chrono_literals;
using server::Socket;

namespace {

struct Answer {
  std::vector<std::string> lines;
  std::optional<ipc::Verdict> verdict;
  bool holds(const std::string& part) const {
    for (const auto& line : lines)
      if (line.find(part) != std::string::npos) return true;
    return false;
  }
};

// One session on one end of a socket pair; the test is the hook on the other.
struct Harness {
  boost::asio::io_context io;
  boost::asio::thread_pool pool{2};
  server::SessionContext context;
  std::atomic<size_t> active{0};
  std::atomic<int> handled{0};
  std::vector<std::string> protocol_errors;  // written on the I/O thread only
  Socket client{io};
  std::thread io_thread;

  explicit Harness(std::function<ipc::Verdict(const ipc::Request&, const ipc::LineSink&)> handler,
                   server::SessionLimits limits = {}) {
    context.limits = limits;
    context.handler = [this, handler](const ipc::Request& request, const ipc::LineSink& send) {
      ++handled;
      return handler(request, send);
    };
    context.run_on_pool = [this](std::function<void()> work) { boost::asio::post(pool, std::move(work)); };
    context.on_protocol_error = [this](const std::string& why) { protocol_errors.push_back(why); };
    context.active = &active;
    Socket server_end(io);
    boost::asio::local::connect_pair(client, server_end);
    std::make_shared<server::Session>(std::move(server_end), context)->start();
    io_thread = std::thread([this] { io.run(); });
  }
  ~Harness() {
    boost::system::error_code ignored;
    client.close(ignored);
    io_thread.join();
    pool.join();
  }

  void send(const std::string& bytes) { boost::asio::write(client, boost::asio::buffer(bytes)); }

  // Reads until the session closes the connection.
  Answer read_answer() {
    std::string data;
    boost::system::error_code error;
    boost::asio::read(client, boost::asio::dynamic_buffer(data), error);
    ipc::PktDecoder decoder;
    ipc::ReplyParser parser;
    Answer answer;
    REQUIRE(decoder.feed(data));
    while (auto pkt = decoder.next()) {
      auto event = parser.consume(*pkt);
      REQUIRE(event);
      if (event->line) answer.lines.push_back(event->line->text);
      if (event->verdict) answer.verdict = event->verdict;
    }
    return answer;
  }
};

std::string push_request() {
  ipc::Request request;
  request.command = "pre-receive";
  request.repo_path = "/srv/git/app.git";
  request.pusher = "alice";
  request.pusher_source = "REMOTE_USER";
  request.updates.push_back({std::string(40, 'a'), std::string(40, 'b'), "refs/heads/main"});
  auto wire = ipc::encode_request(request);
  REQUIRE(wire);
  return *wire;
}

}  // namespace

TEST_CASE("session: a whole request reaches the handler; its lines stream back, then the verdict", "[session]") {
  std::string seen_pusher, seen_ref;
  Harness h([&](const ipc::Request& request, const ipc::LineSink& send) {
    seen_pusher = request.pusher;
    seen_ref = request.updates.at(0).ref_name;
    send(ipc::LineKind::kInfo, "first");
    send(ipc::LineKind::kError, "second");
    return ipc::Verdict::kReject;
  });
  h.send(push_request());
  Answer answer = h.read_answer();
  CHECK(h.handled == 1);
  CHECK(seen_pusher == "alice");
  CHECK(seen_ref == "refs/heads/main");
  CHECK(answer.lines == std::vector<std::string>{"first", "second"});
  REQUIRE(answer.verdict);
  CHECK(*answer.verdict == ipc::Verdict::kReject);
}

TEST_CASE("session: a malformed request is refused without calling the handler", "[session]") {
  Harness h([](const ipc::Request&, const ipc::LineSink&) { return ipc::Verdict::kAccept; });
  h.send("zzzzgarbage");
  Answer answer = h.read_answer();
  CHECK(h.handled == 0);
  CHECK(answer.holds("protocol error"));
  REQUIRE(answer.verdict);
  CHECK(*answer.verdict == ipc::Verdict::kReject);
}

TEST_CASE("session: bytes after the end of the request are refused", "[session]") {
  Harness h([](const ipc::Request&, const ipc::LineSink&) { return ipc::Verdict::kAccept; });
  h.send(push_request() + "0009more");
  Answer answer = h.read_answer();
  CHECK(h.handled == 0);
  CHECK(answer.holds("data after the end of the request"));
  CHECK(answer.verdict == ipc::Verdict::kReject);
}

TEST_CASE("session: a request that never completes hits the request deadline", "[session]") {
  server::SessionLimits limits;
  limits.request_timeout = 100ms;
  Harness h([](const ipc::Request&, const ipc::LineSink&) { return ipc::Verdict::kAccept; }, limits);
  std::string wire = push_request();
  h.send(wire.substr(0, wire.size() / 2));
  Answer answer = h.read_answer();
  CHECK(h.handled == 0);
  CHECK(answer.holds("deadline passed before the request was complete"));
  CHECK(answer.verdict == ipc::Verdict::kReject);
}

TEST_CASE("session: a check that does not answer in time is rejected, and its late verdict dropped", "[session]") {
  server::SessionLimits limits;
  limits.answer_timeout = 100ms;
  std::atomic<bool> release{false};
  Harness h([&](const ipc::Request&, const ipc::LineSink&) {
    while (!release) std::this_thread::sleep_for(5ms);
    return ipc::Verdict::kAccept;
  }, limits);
  h.send(push_request());
  Answer answer = h.read_answer();
  release = true;
  CHECK(answer.holds("deadline passed before the check answered"));
  CHECK(answer.verdict == ipc::Verdict::kReject);  // never the handler's late accept
}

TEST_CASE("session: a handler that throws rejects the push with the reason", "[session]") {
  Harness h([](const ipc::Request&, const ipc::LineSink&) -> ipc::Verdict { throw std::runtime_error("boom"); });
  h.send(push_request());
  Answer answer = h.read_answer();
  CHECK(answer.holds("internal error, push rejected: boom"));
  CHECK(answer.verdict == ipc::Verdict::kReject);
}

TEST_CASE("session: a request larger than the limit is refused", "[session]") {
  server::SessionLimits limits;
  limits.max_request_bytes = 64;
  Harness h([](const ipc::Request&, const ipc::LineSink&) { return ipc::Verdict::kAccept; }, limits);
  h.send(push_request());
  Answer answer = h.read_answer();
  CHECK(h.handled == 0);
  CHECK(answer.holds("request larger than 64 bytes"));
  CHECK(answer.verdict == ipc::Verdict::kReject);
}
