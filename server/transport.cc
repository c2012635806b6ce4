#include "server/transport.h"

#include <sys/socket.h>

namespace songvec {

void ConfigureTransport(httplib::Server& server, int workers, int keep_alive_seconds) {
  server.set_tcp_nodelay(true);
  const auto pool_size = static_cast<size_t>(workers);
  server.new_task_queue = [pool_size] { return new httplib::ThreadPool(pool_size); };
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(keep_alive_seconds);
}

int Bind(httplib::Server& server, const std::string& host, int port) {
  // cpp-httplib creates, binds and listens in one call; its socket-options hook sees the socket
  // first, and Linux lets listen() be called again on a listening socket to change its backlog.
  socket_t listening = INVALID_SOCKET;
  server.set_socket_options([&listening](socket_t sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  server.set_socket_options(httplib::default_socket_options);
  if (bound < 0) return -1;
  if (::listen(listening, SOMAXCONN) != 0) return -1;
  return bound;
}

}  // namespace songvec
