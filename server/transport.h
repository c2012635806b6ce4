#ifndef SONGVEC_SERVER_TRANSPORT_H_
#define SONGVEC_SERVER_TRANSPORT_H_

#include <httplib.h>

#include <string>
// httplib pulls in <resolv.h>, whose _res macro breaks Eigen (it names parameters _res).
#undef _res

namespace songvec {

// The HTTP transport under songvec-server, shared with bench/ceiling_server so that the load
// benchmark's ceiling is the same stack: TCP_NODELAY (without it a keep-alive client waits ~40 ms
// per request), a pool of `workers` threads, keep-alive connections of up to 100000 requests
// closed after `keep_alive_seconds` idle. A keep-alive connection holds its worker while open.
void ConfigureTransport(httplib::Server& server, int workers, int keep_alive_seconds);

// Binds `host`:`port` (0: any free port) and returns the port, or -1 when it cannot. The socket
// listens with a backlog of SOMAXCONN rather than cpp-httplib's 5 (CPPHTTPLIB_LISTEN_BACKLOG,
// compiled into Debian's library): with 5, a burst of new connections overflows the accept queue
// and the dropped handshakes are retried only after TCP's retransmission timeouts, so their first
// requests wait 0.2 to 2 s.
int Bind(httplib::Server& server, const std::string& host, int port);

}  // namespace songvec

#endif  // SONGVEC_SERVER_TRANSPORT_H_
