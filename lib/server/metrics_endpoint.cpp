#include "server/metrics_endpoint.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <memory>

namespace refguard::server {

namespace {

// Reads the request head (bounded), answers, closes.
struct MetricsConnection : std::enable_shared_from_this<MetricsConnection> {
  MetricsConnection(boost::asio::ip::tcp::socket connected, std::string text)
      : socket(std::move(connected)), timer(socket.get_executor()), request(8192), body(std::move(text)) {}

  void start() {
    timer.expires_after(std::chrono::seconds(2));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
      if (!e) self->socket.close();
    });
    boost::asio::async_read_until(socket, request, "\r\n\r\n",
                                  [self = shared_from_this()](const boost::system::error_code& e, size_t) {
                                    if (e) {
                                      self->timer.cancel();
                                      return;
                                    }
                                    self->respond();
                                  });
  }

  void respond() {
    response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    boost::asio::async_write(socket, boost::asio::buffer(response),
                             [self = shared_from_this()](const boost::system::error_code&, size_t) {
                               boost::system::error_code ignored;
                               self->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
                               self->socket.close(ignored);
                               self->timer.cancel();
                             });
  }

  boost::asio::ip::tcp::socket socket;
  boost::asio::steady_timer timer;
  boost::asio::streambuf request;
  std::string body;
  std::string response;
};

}  // namespace

Expected<void> MetricsEndpoint::listen(unsigned short port) {
  boost::system::error_code error;
  boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(16, error);
  if (error) return fail("cannot serve metrics on 127.0.0.1:" + std::to_string(port) + ": " + error.message());
  accept_next();
  return {};
}

void MetricsEndpoint::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void MetricsEndpoint::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& error, boost::asio::ip::tcp::socket socket) {
    if (error) return;  // closed at shutdown
    std::make_shared<MetricsConnection>(std::move(socket), render_())->start();
    accept_next();
  });
}

}  // namespace refguard::server
