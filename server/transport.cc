#include "server/transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace songvec {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxRequestLineBytes = 8 * 1024;
constexpr size_t kMaxHeadBytes = 32 * 1024;
constexpr int kMaxHeaderFields = 100;
constexpr size_t kMaxRequestsPerConnection = 100000;
// A refused or finished connection is shut for writing and then read, its bytes discarded, until
// the client closes it or for this long: closing it with unread bytes would send a reset, which
// can destroy the answer before the client has read it.
constexpr auto kLinger = std::chrono::seconds(2);
// How often deadlines are checked: the loop wakes at least this often.
constexpr auto kSweepInterval = std::chrono::milliseconds(100);

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimSpaces(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    default:  // 503, the one other status refused here
      return "Service Unavailable";
  }
}

// Finds where the request at the front of a connection's buffer ends, scanning only the bytes
// that arrived since the last call, and refuses what is oversized or could be framed two ways
// (RFC 9112, 6.3: two Content-Lengths, one beside Transfer-Encoding, a length that is not digits),
// so that what cpp-httplib reads is exactly the request found here, whatever proxy is in front.
class RequestFramer {
 public:
  enum class Verdict { kIncomplete, kComplete, kRefused };

  // Scans `buffer` (the bytes of the request, then maybe of the requests pipelined after it) from
  // where the last call stopped. Erases the head's Range, If-Range and Expect: 100-continue lines.
  // Once refused, the request stays refused.
  Verdict Scan(std::string& buffer, size_t max_body_bytes);

  // Once complete: the request's bytes at the front of the buffer.
  size_t size() const { return pos_; }
  // Whether the head has arrived and asked for a 100 Continue before its body.
  bool awaits_continue() const { return expects_continue_ && part_ > Part::kHeaders; }
  // Once refused: the answer's status, error code and message.
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  enum class Part {
    kRequestLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailer,
    kDone
  };

  Verdict Refuse(int status, std::string code, std::string message);
  Verdict Malformed(const std::string& what) {
    return Refuse(400, "bad_request", "malformed HTTP request: " + what);
  }
  Verdict TooLarge(size_t max_body_bytes) {
    return Refuse(413, "payload_too_large",
                  "the request body is over " + std::to_string(max_body_bytes / 1024) + " KiB");
  }

  Part part_ = Part::kRequestLine;
  size_t pos_ = 0;         // the bytes framed so far
  size_t head_bytes_ = 0;  // as sent: erased lines count
  int fields_ = 0;
  bool has_length_ = false;
  bool chunked_ = false;
  bool expects_continue_ = false;
  uint64_t remaining_ = 0;  // of the body, or of the current chunk
  size_t body_bytes_ = 0;   // as sent: chunked framing counts
  int status_ = 0;
  std::string code_, message_;
};

RequestFramer::Verdict RequestFramer::Refuse(int status, std::string code, std::string message) {
  status_ = status;
  code_ = std::move(code);
  message_ = std::move(message);
  return Verdict::kRefused;
}

RequestFramer::Verdict RequestFramer::Scan(std::string& buffer, size_t max_body_bytes) {
  if (status_ != 0) return Verdict::kRefused;
  while (part_ != Part::kDone) {
    if (part_ == Part::kBody || part_ == Part::kChunkData) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, buffer.size() - pos_));
      pos_ += take;
      remaining_ -= take;
      if (part_ == Part::kChunkData) body_bytes_ += take;
      if (remaining_ > 0) return Verdict::kIncomplete;
      part_ = part_ == Part::kBody ? Part::kDone : Part::kChunkEnd;
      continue;
    }
    if (part_ == Part::kChunkEnd) {
      if (buffer.size() - pos_ < 2) return Verdict::kIncomplete;
      if (buffer.compare(pos_, 2, "\r\n") != 0) return Malformed("a chunk does not end in CRLF");
      pos_ += 2;
      body_bytes_ += 2;
      part_ = Part::kChunkSize;
      continue;
    }
    // The other parts are lines. Their limits hold while a line is still arriving, too.
    const size_t newline = buffer.find('\n', pos_);
    const size_t size = (newline == std::string::npos ? buffer.size() : newline + 1) - pos_;
    if (part_ == Part::kRequestLine && size > kMaxRequestLineBytes) {
      return Refuse(414, "uri_too_long", "the request URI is too long");
    }
    if (part_ == Part::kHeaders && head_bytes_ + size > kMaxHeadBytes) {
      return Refuse(431, "header_fields_too_large", "the request head is over 32 KiB");
    }
    if (part_ > Part::kHeaders && body_bytes_ + size > max_body_bytes) {
      return TooLarge(max_body_bytes);
    }
    if (newline == std::string::npos) return Verdict::kIncomplete;
    if (size < 2 || buffer[newline - 1] != '\r') return Malformed("a line does not end in CRLF");
    const std::string_view text(buffer.data() + pos_, size - 2);

    if (part_ == Part::kRequestLine) {
      // Empty lines before a request line are ignored (RFC 9112, 2.2).
      if (text.empty()) {
        buffer.erase(pos_, size);
        continue;
      }
      head_bytes_ += size;
      pos_ += size;
      part_ = Part::kHeaders;
    } else if (part_ == Part::kHeaders) {
      head_bytes_ += size;
      if (text.empty()) {
        pos_ += size;
        if (has_length_ && chunked_) return Malformed("both Content-Length and Transfer-Encoding");
        if (has_length_ && remaining_ > max_body_bytes) return TooLarge(max_body_bytes);
        part_ = chunked_ ? Part::kChunkSize : remaining_ > 0 ? Part::kBody : Part::kDone;
        continue;
      }
      if (++fields_ > kMaxHeaderFields) {
        return Refuse(431, "header_fields_too_large",
                      "the request has more than 100 header fields");
      }
      const size_t colon = text.find(':');
      if (colon == 0 || colon == std::string_view::npos || text.find_first_of(" \t") < colon) {
        return Malformed("a header line is not 'name: value'");
      }
      const std::string_view name = text.substr(0, colon);
      const std::string_view value = TrimSpaces(text.substr(colon + 1));
      if (EqualsIgnoringCase(name, "Content-Length")) {
        if (has_length_) return Malformed("more than one Content-Length");
        if (value.empty() || value.size() > 18 ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return Malformed("Content-Length is not a number");
        }
        has_length_ = true;
        remaining_ = std::stoull(std::string(value));
      } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
        if (chunked_) return Malformed("more than one Transfer-Encoding");
        if (!EqualsIgnoringCase(value, "chunked")) {
          return Refuse(501, "not_implemented", "the only transfer coding accepted is chunked");
        }
        chunked_ = true;
      } else if (EqualsIgnoringCase(name, "Range") || EqualsIgnoringCase(name, "If-Range") ||
                 (EqualsIgnoringCase(name, "Expect") &&
                  EqualsIgnoringCase(value, "100-continue"))) {
        // Dropped before cpp-httplib sees them: it would cut every answer to the ranges asked
        // (several ranges as multipart/byteranges, each as long as the whole), and the continue
        // is sent from here, where the body is waited for.
        if (EqualsIgnoringCase(name, "Expect")) expects_continue_ = true;
        buffer.erase(pos_, size);
        continue;
      }
      pos_ += size;
    } else if (part_ == Part::kChunkSize) {
      body_bytes_ += size;
      uint64_t chunk = 0;
      size_t digits = 0;
      for (; digits < text.size() && HexDigit(text[digits]) >= 0; ++digits) {
        if (digits == 15) return TooLarge(max_body_bytes);
        chunk = chunk * 16 + static_cast<uint64_t>(HexDigit(text[digits]));
      }
      if (digits == 0 || (digits < text.size() && text[digits] != ';')) {
        return Malformed("a chunk size is not hexadecimal digits");
      }
      if (body_bytes_ + chunk > max_body_bytes) return TooLarge(max_body_bytes);
      pos_ += size;
      remaining_ = chunk;
      part_ = chunk > 0 ? Part::kChunkData : Part::kTrailer;
    } else {  // kTrailer
      body_bytes_ += size;
      // cpp-httplib reads no trailer fields, so none is accepted.
      if (!text.empty()) return Malformed("trailer fields after a chunked body");
      pos_ += size;
      part_ = Part::kDone;
    }
  }
  return Verdict::kComplete;
}

// One framed request of a connection, as cpp-httplib reads it: the request's bytes, then the end
// of the stream, so that it never reads into the next request nor waits on the socket. Answers go
// to the socket, waiting for it to drain until `deadline`.
class RequestStream final : public httplib::Stream {
 public:
  RequestStream(int fd, std::string_view request, const std::string& client, int client_port,
                const std::string& local, int local_port, Clock::time_point deadline)
      : fd_(fd),
        request_(request),
        client_(client),
        client_port_(client_port),
        local_(local),
        local_port_(local_port),
        deadline_(deadline) {}

  bool is_readable() const override { return read_ < request_.size(); }
  bool is_writable() const override { return WaitWritable(); }
  ssize_t read(char* out, size_t size) override {
    size = std::min(size, request_.size() - read_);
    std::memcpy(out, request_.data() + read_, size);
    read_ += size;
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* data, size_t size) override {
    size_t written = 0;
    while (written < size) {
      const ssize_t sent = ::send(fd_, data + written, size - written, MSG_NOSIGNAL);
      if (sent > 0) {
        written += static_cast<size_t>(sent);
      } else if (sent < 0 && errno == EINTR) {
        continue;
      } else if (sent < 0 && errno == EAGAIN && WaitWritable()) {
        continue;
      } else {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = client_;
    port = client_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

 private:
  bool WaitWritable() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return false;
    pollfd ready{fd_, POLLOUT, 0};
    int result;
    do {
      result = ::poll(&ready, 1, static_cast<int>(left));
    } while (result < 0 && errno == EINTR);
    return result > 0 && (ready.revents & POLLOUT) != 0;
  }

  int fd_;
  std::string_view request_;
  size_t read_ = 0;
  const std::string& client_;
  int client_port_;
  const std::string& local_;
  int local_port_;
  Clock::time_point deadline_;
};

// The numeric address and port of `address`.
void AddressText(const sockaddr_storage& address, std::string* ip, int* port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    *port = ntohs(v6.sin6_port);
  } else {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    *port = ntohs(v4.sin_port);
  }
  *ip = text;
}

}  // namespace

struct Transport::Connection {
  enum class State {
    kIdle,       // between requests: closed at the deadline
    kReceiving,  // a request has begun: answered 408 at the deadline
    kServed,     // a worker has it; Run's thread leaves it alone
    kLingering,  // answered for the last time: read and discarded until closed
  };
  int fd = -1;
  std::string client;  // the peer's address, as per_client_ counts it
  int client_port = 0;
  std::string local;
  int local_port = 0;
  State state = State::kIdle;
  Clock::time_point deadline;
  std::string buffer;
  RequestFramer framer;
  bool continue_sent = false;
  size_t requests = 0;
  bool close_after = false;  // set by the worker: its answer ended the connection
};

Transport::Transport(const TransportOptions& options)
    : options_(options),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  // These two only set the Keep-Alive header cpp-httplib writes; Serve and Sweep apply them.
  set_keep_alive_max_count(kMaxRequestsPerConnection);
  set_keep_alive_timeout(options.keep_alive_seconds);
}

Transport::~Transport() {
  for (int fd : {listening_, epoll_, wake_}) {
    if (fd >= 0) ::close(fd);
  }
}

int Transport::Bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  for (const addrinfo* address = found; address != nullptr && listening_ < 0;
       address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR (a restart binds while old connections are in TIME_WAIT), not cpp-httplib's
    // SO_REUSEPORT, which would let a second server bind the same port and share its clients.
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listening_ = fd;
    } else {
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (listening_ < 0) return -1;
  sockaddr_storage bound{};
  socklen_t size = sizeof(bound);
  getsockname(listening_, reinterpret_cast<sockaddr*>(&bound), &size);
  std::string ip;
  int bound_port = -1;
  AddressText(bound, &ip, &bound_port);
  return bound_port;
}

bool Transport::Watch(int fd, void* key) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = key;
  return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool Transport::Rearm(Connection& connection, int operation) {
  // One-shot: a connection's event disarms it, so handing it to a worker needs no call.
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = &connection;
  return epoll_ctl(epoll_, operation, connection.fd, &event) == 0;
}

bool Transport::Run() {
  if (listening_ < 0 || epoll_ < 0 || wake_ < 0) return false;
  if (!Watch(listening_, &listening_) || !Watch(wake_, &wake_)) return false;
  workers_ = std::make_unique<httplib::ThreadPool>(static_cast<size_t>(options_.workers));
  running_ = true;
  Clock::time_point swept = Clock::now();
  epoll_event events[256];
  while (!stopping_) {
    const int ready = epoll_wait(epoll_, events, 256, static_cast<int>(kSweepInterval.count()));
    const Clock::time_point now = Clock::now();
    for (int i = 0; i < ready; ++i) {
      void* key = events[i].data.ptr;
      if (key == &listening_) {
        Accept(now);
      } else if (key == &wake_) {
        uint64_t count;
        if (::read(wake_, &count, sizeof(count)) < 0) continue;  // another wake got it first
        TakeBack(now);
      } else {
        Receive(*static_cast<Connection*>(key), now);
      }
    }
    if (now - swept >= kSweepInterval) {
      Sweep(now);
      swept = now;
    }
  }
  // Stopping: no new connections; the ones a worker has are closed when it hands them back (its
  // answer said Connection: close), the others now.
  ::close(listening_);
  listening_ = -1;
  while (!connections_.empty()) {
    std::vector<Connection*> idle;
    for (const auto& entry : connections_) {
      if (entry.second->state != Connection::State::kServed) idle.push_back(entry.second.get());
    }
    for (Connection* connection : idle) Close(*connection);
    if (connections_.empty()) break;
    pollfd woken{wake_, POLLIN, 0};
    ::poll(&woken, 1, static_cast<int>(kSweepInterval.count()));
    uint64_t count;
    if (::read(wake_, &count, sizeof(count)) > 0) TakeBack(Clock::now());
  }
  workers_->shutdown();
  workers_.reset();
  running_ = false;
  return true;
}

void Transport::Stop() {
  stopping_ = true;
  const uint64_t one = 1;
  if (wake_ >= 0 && ::write(wake_, &one, sizeof(one)) < 0) {
    // The counter is full, so a wake is already pending.
  }
}

void Transport::Accept(Clock::time_point now) {
  while (true) {
    sockaddr_storage address{};
    socklen_t size = sizeof(address);
    const int fd = accept4(listening_, reinterpret_cast<sockaddr*>(&address), &size,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: the listening socket would wake the loop again at once,
        // so it is not watched until the next sweep; new connections wait in the backlog.
        epoll_ctl(epoll_, EPOLL_CTL_DEL, listening_, nullptr);
        accept_paused_ = true;
      }
      return;  // EAGAIN: every pending connection is taken
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    AddressText(address, &connection->client, &connection->client_port);
    sockaddr_storage local{};
    size = sizeof(local);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size);
    AddressText(local, &connection->local, &connection->local_port);
    connection->deadline = now + std::chrono::seconds(options_.keep_alive_seconds);
    Connection& added = *(connections_[fd] = std::move(connection));
    const int held = ++per_client_[added.client];
    if (!Rearm(added, EPOLL_CTL_ADD)) {
      Close(added);
    } else if (options_.max_connections_per_client > 0 &&
               held > options_.max_connections_per_client) {
      Refuse(added, 503, "too_many_connections",
             "more than " + std::to_string(options_.max_connections_per_client) +
                 " connections from one address",
             now);
    }
  }
}

void Transport::Receive(Connection& connection, Clock::time_point now) {
  char data[16 * 1024];
  const ssize_t received = ::recv(connection.fd, data, sizeof(data), 0);
  if (received == 0 || (received < 0 && errno != EAGAIN && errno != EINTR)) {
    return Close(connection);  // the client closed or reset it
  }
  if (received > 0 && connection.state != Connection::State::kLingering) {
    if (connection.state == Connection::State::kIdle) {
      connection.state = Connection::State::kReceiving;
      connection.deadline = now + std::chrono::seconds(options_.request_timeout_seconds);
    }
    connection.buffer.append(data, static_cast<size_t>(received));
    Frame(connection, now);
  }
  if (connection.state != Connection::State::kServed && !Rearm(connection, EPOLL_CTL_MOD)) {
    Close(connection);
  }
}

void Transport::Frame(Connection& connection, Clock::time_point now) {
  RequestFramer& framer = connection.framer;
  switch (framer.Scan(connection.buffer, options_.max_body_bytes)) {
    case RequestFramer::Verdict::kComplete:
      connection.state = Connection::State::kServed;
      workers_->enqueue([this, &connection] { Serve(connection); });
      return;
    case RequestFramer::Verdict::kRefused:
      return Refuse(connection, framer.status(), framer.code(), framer.message(), now);
    case RequestFramer::Verdict::kIncomplete:
      if (framer.awaits_continue() && !connection.continue_sent) {
        static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        ::send(connection.fd, kContinue, sizeof(kContinue) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        connection.continue_sent = true;
      }
      return;
  }
}

void Transport::Serve(Connection& connection) {
  do {
    const bool last = stopping_ || connection.requests + 1 >= kMaxRequestsPerConnection;
    const size_t size = connection.framer.size();
    RequestStream stream(connection.fd, std::string_view(connection.buffer).substr(0, size),
                         connection.client, connection.client_port, connection.local,
                         connection.local_port,
                         Clock::now() + std::chrono::seconds(options_.request_timeout_seconds));
    bool closed = false;
    const bool answered = process_request(stream, last, closed, nullptr);
    connection.buffer.erase(0, size);
    connection.framer = RequestFramer();
    connection.continue_sent = false;
    ++connection.requests;
    connection.close_after = !answered || closed || last;
  } while (!connection.close_after && NextRequestArrived(connection));
  if (connection.buffer.empty() && connection.buffer.capacity() > 16 * 1024) {
    std::string().swap(connection.buffer);  // a large request's memory
  }
  {
    std::lock_guard<std::mutex> lock(returned_mutex_);
    returned_.push_back(&connection);
  }
  const uint64_t one = 1;
  if (::write(wake_, &one, sizeof(one)) < 0) {
    // The counter is full, so a wake is already pending.
  }
}

bool Transport::NextRequestArrived(Connection& connection) {
  if (stopping_) return false;
  // A busy keep-alive client sends its next request as soon as it has read the answer: waiting
  // for it here, for a millisecond at most, spares the two hand-offs between threads through Run's
  // loop, a third of the throughput of a cheap route. Only a request that is whole by then is
  // answered here, so a slow client gains nothing from it.
  if (connection.buffer.empty()) {
    pollfd ready{connection.fd, POLLIN, 0};
    if (::poll(&ready, 1, 1) <= 0) return false;
    char data[16 * 1024];
    const ssize_t received = ::recv(connection.fd, data, sizeof(data), MSG_DONTWAIT);
    if (received <= 0) return false;  // Run's loop sees the close, or the error, again
    connection.buffer.append(data, static_cast<size_t>(received));
  }
  return connection.framer.Scan(connection.buffer, options_.max_body_bytes) ==
         RequestFramer::Verdict::kComplete;
}

void Transport::TakeBack(Clock::time_point now) {
  std::vector<Connection*> back;
  {
    std::lock_guard<std::mutex> lock(returned_mutex_);
    back.swap(returned_);
  }
  for (Connection* connection : back) {
    if (stopping_) {
      Close(*connection);
      continue;
    }
    if (connection->close_after) {
      Linger(*connection, now);
    } else if (connection->buffer.empty()) {
      connection->state = Connection::State::kIdle;
      connection->deadline = now + std::chrono::seconds(options_.keep_alive_seconds);
    } else {
      // The start of the next request came with the last one, or in Serve's wait for it.
      connection->state = Connection::State::kReceiving;
      connection->deadline = now + std::chrono::seconds(options_.request_timeout_seconds);
      Frame(*connection, now);
    }
    if (connection->state != Connection::State::kServed && !Rearm(*connection, EPOLL_CTL_MOD)) {
      Close(*connection);
    }
  }
}

void Transport::Refuse(Connection& connection, int status, const std::string& code,
                       const std::string& message, Clock::time_point now) {
  // The API's error shape (song_service.cc); codes and messages here need no JSON escaping.
  const std::string body = R"({"error":{"code":")" + code + R"(","message":")" + message + "\"}}";
  const std::string answer =
      "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  // A few hundred bytes into a connection that has been sent nothing else, or only whole answers
  // long taken: they fit in its send buffer.
  ::send(connection.fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  Linger(connection, now);
}

void Transport::Linger(Connection& connection, Clock::time_point now) {
  ::shutdown(connection.fd, SHUT_WR);
  connection.state = Connection::State::kLingering;
  connection.deadline = now + kLinger;
  std::string().swap(connection.buffer);
}

void Transport::Close(Connection& connection) {
  auto client = per_client_.find(connection.client);
  if (--client->second == 0) per_client_.erase(client);
  const int fd = connection.fd;
  ::close(fd);  // which also takes it out of the epoll set
  connections_.erase(fd);
}

void Transport::Sweep(Clock::time_point now) {
  if (accept_paused_ && Watch(listening_, &listening_)) accept_paused_ = false;
  std::vector<Connection*> due;
  for (const auto& entry : connections_) {
    const Connection& connection = *entry.second;
    if (connection.state != Connection::State::kServed && now >= connection.deadline) {
      due.push_back(entry.second.get());
    }
  }
  for (Connection* connection : due) {
    if (connection->state == Connection::State::kReceiving) {
      Refuse(*connection, 408, "request_timeout",
             "the request did not arrive within " +
                 std::to_string(options_.request_timeout_seconds) + " s",
             now);
    } else {
      Close(*connection);
    }
  }
}

}  // namespace songvec
