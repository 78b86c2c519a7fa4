#pragma once
// One hook connection: read one framed request within a deadline, run the
// check on the work pool (never on the I/O thread), stream the lines back
// as they come, end with the verdict. Every handler runs on the
// connection's strand; check threads reach it only through post().
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "ipc/pkt_line.h"
#include "ipc/reply.h"
#include "ipc/request.h"

namespace refguard::server {

using Socket = boost::asio::local::stream_protocol::socket;

struct SessionLimits {
  std::chrono::milliseconds request_timeout{10000};  // to receive the whole request
  std::chrono::milliseconds answer_timeout{120000};  // for the check itself
  size_t max_request_bytes = 64u << 20;
};

/// Runs on a work-pool thread; produces lines via `send` and returns the verdict.
using RequestHandler = std::function<ipc::Verdict(
    const ipc::Request& request, const ipc::LineSink& send)>;

struct SessionContext {
  SessionLimits limits;
  RequestHandler handler;
  std::function<void(std::function<void()>)> run_on_pool;  // posts work to the pool
  std::function<void(const std::string&)> on_protocol_error;
  std::atomic<size_t>* active = nullptr;                   // sessions alive (for shutdown)
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, const SessionContext& context);
  ~Session();
  void start();
  /// Answers at once with an error and a reject verdict, reading nothing.
  void start_refused(const std::string& why);
  /// True until the whole request has arrived (any thread): an idle or slow
  /// client, the kind the acceptor drops first when connections run short.
  bool waiting_for_request() const { return waiting_for_request_.load(std::memory_order_relaxed); }
  /// Drops a connection still waiting for its request, answering `why` (any thread).
  void evict(const std::string& why);

 private:
  void read_more();
  void on_read(const boost::system::error_code& error, size_t bytes);
  void on_deadline(const boost::system::error_code& error);
  void refuse(const std::string& why);
  void start_check();
  void send(ipc::LineKind kind, const std::string& text);  // any thread
  void finish(ipc::Verdict verdict);                        // any thread
  void queue(std::string bytes);                            // strand only
  void write_next();
  void close();

  Socket socket_;
  boost::asio::steady_timer deadline_;
  const SessionContext& context_;
  ipc::PktDecoder decoder_;
  ipc::RequestParser parser_;
  size_t received_ = 0;
  char buffer_[16384] = {};
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool checking_ = false;  // the whole request arrived; the check runs
  bool answered_ = false;  // verdict queued: nothing more may be sent
  bool closed_ = false;
  std::atomic<bool> waiting_for_request_{true};
};

}  // namespace refguard::server
