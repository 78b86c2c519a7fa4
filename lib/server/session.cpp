#include "server/session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace refguard::server {

Session::Session(Socket socket, const SessionContext& context)
    : socket_(std::move(socket)), deadline_(socket_.get_executor()), context_(context) {
  if (context_.active) ++*context_.active;
}

Session::~Session() {
  if (context_.active) --*context_.active;
}

void Session::start() {
  deadline_.expires_after(context_.limits.request_timeout);
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& e) { self->on_deadline(e); });
  read_more();
}

void Session::start_refused(const std::string& why) {
  auto self = shared_from_this();
  boost::asio::post(socket_.get_executor(), [self, why] { self->refuse(why); });
}

void Session::evict(const std::string& why) {
  boost::asio::post(socket_.get_executor(), [self = shared_from_this(), why] {
    if (self->closed_ || self->answered_ || !self->waiting_for_request()) return;
    self->refuse(why);
  });
}

void Session::read_more() {
  socket_.async_read_some(boost::asio::buffer(buffer_),
                          [self = shared_from_this()](const boost::system::error_code& e, size_t n) { self->on_read(e, n); });
}

void Session::on_read(const boost::system::error_code& error, size_t bytes) {
  if (closed_ || answered_) return;
  if (error) {
    // The hook went away before its request was complete: nothing to answer.
    if (error != boost::asio::error::operation_aborted && context_.on_protocol_error && received_ > 0)
      context_.on_protocol_error("client disconnected mid-request after " + std::to_string(received_) + " bytes");
    close();
    return;
  }
  received_ += bytes;
  if (received_ > context_.limits.max_request_bytes)
    return refuse("request larger than " + std::to_string(context_.limits.max_request_bytes) + " bytes");
  if (!decoder_.feed(std::string_view(buffer_, bytes))) return refuse("protocol error: " + decoder_.error());
  while (auto pkt = decoder_.next()) {
    auto state = parser_.consume(*pkt);
    if (state == ipc::RequestParser::State::kError) return refuse(parser_.error());
    if (state == ipc::RequestParser::State::kDone) {
      if (decoder_.pending() > 0) return refuse("protocol error: data after the end of the request");
      return start_check();
    }
  }
  if (!decoder_.error().empty()) return refuse("protocol error: " + decoder_.error());
  read_more();
}

void Session::on_deadline(const boost::system::error_code& error) {
  if (error == boost::asio::error::operation_aborted || closed_ || answered_) return;
  refuse(checking_ ? "deadline passed before the check answered"
                   : "deadline passed before the request was complete");
}

void Session::refuse(const std::string& why) {
  waiting_for_request_ = false;
  if (context_.on_protocol_error) context_.on_protocol_error(why);
  std::string out;
  ipc::append_reply_line(out, ipc::LineKind::kError, "refguard: " + why);
  ipc::append_verdict(out, ipc::Verdict::kReject);
  queue(std::move(out));
  answered_ = true;
}

void Session::start_check() {
  checking_ = true;
  waiting_for_request_ = false;
  deadline_.expires_after(context_.limits.answer_timeout);
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& e) { self->on_deadline(e); });
  auto self = shared_from_this();
  context_.run_on_pool([self] {
    ipc::Verdict verdict = ipc::Verdict::kReject;
    try {
      verdict = self->context_.handler(self->parser_.request(), [&self](ipc::LineKind kind, const std::string& text) {
        self->send(kind, text);
      });
    } catch (const std::exception& error) {
      self->send(ipc::LineKind::kError, std::string("refguard: internal error, push rejected: ") + error.what());
      verdict = ipc::Verdict::kReject;
    }
    self->finish(verdict);
  });
}

void Session::send(ipc::LineKind kind, const std::string& text) {
  std::string out;
  ipc::append_reply_line(out, kind, text);
  boost::asio::post(socket_.get_executor(), [self = shared_from_this(), out = std::move(out)]() mutable {
    if (!self->answered_) self->queue(std::move(out));
  });
}

void Session::finish(ipc::Verdict verdict) {
  boost::asio::post(socket_.get_executor(), [self = shared_from_this(), verdict] {
    if (self->answered_) return;
    std::string out;
    ipc::append_verdict(out, verdict);
    self->queue(std::move(out));
    self->answered_ = true;
  });
}

void Session::queue(std::string bytes) {
  if (closed_) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void Session::write_next() {
  if (outbox_.empty()) {
    writing_ = false;
    if (answered_) close();
    return;
  }
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(outbox_.front()),
                           [self = shared_from_this()](const boost::system::error_code& error, size_t) {
                             if (self->closed_) return;  // close() already dropped the outbox
                             self->outbox_.pop_front();
                             if (error) {
                               self->close();  // the hook is gone; its push fails on git's side
                               return;
                             }
                             self->write_next();
                           });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  waiting_for_request_ = false;
  outbox_.clear();
  deadline_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace refguard::server
