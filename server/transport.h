#ifndef SONGVEC_SERVER_TRANSPORT_H_
#define SONGVEC_SERVER_TRANSPORT_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
// httplib pulls in <resolv.h>, whose _res macro breaks Eigen (it names parameters _res).
#undef _res

namespace songvec {

// How the transport takes connections and requests.
struct TransportOptions {
  // Threads that run handlers, so the requests handled at once. A connection holds one only while
  // one of its requests is handled, never while it is idle or still sending. Default: 128.
  int workers = 128;
  // An idle keep-alive connection is closed after this many seconds. Default: 5.
  int keep_alive_seconds = 5;
  // A request's head and body must have arrived within this many seconds of its first byte, and
  // its answer must have been taken within as many of its handling's start; else the connection
  // is answered 408 (or dropped, while answering) and closed. Default: 10.
  int request_timeout_seconds = 10;
  // Connections one client address may hold open at once; one more is answered 503 and closed.
  // 0: no cap (behind a reverse proxy, whose address every connection has). Default: 256.
  int max_connections_per_client = 256;
  // The largest request body, in bytes as sent (chunked framing included); a larger one is
  // answered 413 without being read. Default: 64 KiB.
  size_t max_body_bytes = 64 * 1024;
};

// The HTTP transport under songvec-server, shared with bench/ceiling_server so that the load
// benchmark's ceiling is the same stack. cpp-httplib parses each request, routes it and writes the
// answer; this class owns the sockets around it. One thread (the one in Run) accepts connections
// and reads them without blocking until a whole request has arrived; only then does a worker take
// the connection, answer that request and hand the connection back. So a client that sends slowly
// (slowloris) or sits idle on a keep-alive connection costs a buffer, never a worker.
//
// While reading, a request is framed by RFC 9112's rules, strictly: the head at most 32 KiB with
// at most 100 fields (else 431) and a request line of at most 8 KiB (else 414); a body by one
// Content-Length of digits or by Transfer-Encoding: chunked, never both, nothing else (else 400,
// or 501 for another transfer coding); the body as sent at most `max_body_bytes` (else 413).
// These refusals are the API's JSON errors, sent with Connection: close. Range and If-Range are
// dropped, so every answer is whole (RFC 9110 lets a server ignore Range), and Expect:
// 100-continue is answered here. Pipelined requests are answered in order. TCP_NODELAY is set on
// every connection (without it a keep-alive client waits ~40 ms per request).
//
// The handler API is cpp-httplib's (below); Bind, Run and Stop replace its listening calls.
// Handlers are set and Bind called before Run, on one thread; Stop and running are thread-safe.
class Transport : private httplib::Server {
 public:
  explicit Transport(const TransportOptions& options);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  using httplib::Server::Delete;
  using httplib::Server::Get;
  using httplib::Server::Options;
  using httplib::Server::Patch;
  using httplib::Server::Post;
  using httplib::Server::Put;
  using httplib::Server::set_error_handler;
  using httplib::Server::set_exception_handler;
  using httplib::Server::set_logger;
  using httplib::Server::set_pre_routing_handler;

  // Binds `host`:`port` (0: any free port) and returns the port, or -1 when it cannot. The socket
  // listens with a backlog of SOMAXCONN (cpp-httplib's own is 5: a burst of new connections
  // overflows it and the dropped handshakes are retried only after TCP's retransmission timeouts,
  // so their first requests wait 0.2 to 2 s).
  int Bind(const std::string& host, int port);

  // Serves the bound socket on the calling thread until Stop(); requests being handled when it is
  // called are answered (with Connection: close) first. False if nothing was bound.
  bool Run();

  // Makes Run return. Thread-safe; may come before Run starts, which then returns at once.
  void Stop();

  // Whether Run is serving. Thread-safe.
  bool running() const { return running_; }

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;

  void Accept(Clock::time_point now);
  void Receive(Connection& connection, Clock::time_point now);
  // Frames what `connection` has buffered: hands a whole request to a worker, answers a refused
  // one, or waits for more bytes.
  void Frame(Connection& connection, Clock::time_point now);
  void Serve(Connection& connection);               // on a worker
  bool NextRequestArrived(Connection& connection);  // on a worker
  void TakeBack(Clock::time_point now);
  void Refuse(Connection& connection, int status, const std::string& code,
              const std::string& message, Clock::time_point now);
  void Linger(Connection& connection, Clock::time_point now);
  void Close(Connection& connection);
  void Sweep(Clock::time_point now);
  bool Watch(int fd, void* key);
  bool Rearm(Connection& connection, int operation);

  TransportOptions options_;
  int listening_ = -1;
  int epoll_ = -1;
  int wake_ = -1;  // an eventfd: a connection came back from a worker, or Stop() was called
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  // Run's thread alone touches these three.
  bool accept_paused_ = false;  // out of descriptors: the listening socket is not watched
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, int> per_client_;
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::mutex returned_mutex_;
  std::vector<Connection*> returned_;  // guarded by returned_mutex_
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_TRANSPORT_H_
