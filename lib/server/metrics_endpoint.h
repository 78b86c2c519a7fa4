#pragma once
// An optional Prometheus text endpoint (`refguardd --metrics-port N`), bound
// to 127.0.0.1 only: any HTTP request gets the current counters. One short
// response per connection, with a deadline, on the daemon's I/O thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <string>

#include "util/error.h"

namespace refguard::server {

class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;
  MetricsEndpoint(boost::asio::io_context& io, Render render) : acceptor_(io), render_(std::move(render)) {}

  Expected<void> listen(unsigned short port);
  void close();

 private:
  void accept_next();
  boost::asio::ip::tcp::acceptor acceptor_;
  Render render_;
};

}  // namespace refguard::server
