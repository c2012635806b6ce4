#!/usr/bin/env python3
"""Slowloris against a songvec-server on this machine, and a normal client's latency beside it.

Opens --slow connections that each send a request line and then trickle one header byte every
--interval seconds (never finishing the head); a connection the server answers (408, 503) or
closes is opened again at its next trickle, so the pressure stays on. The slow connections come
from --sources loopback addresses (127.0.0.2, 127.0.0.3, ...), as an attack from several machines
would, so a per-address connection cap alone cannot turn them away. Once every slow connection is open and a trickle interval has passed, a
normal client sends --requests requests one after the other, each on a new connection from
127.0.0.1, --gap seconds apart (200 requests 0.1 s apart span two of songvec-server's 10 s
request timeouts, so the slow connections are cut off with a 408 and open again meanwhile), and
the script prints their p50, p99 and max latency, the requests that failed, and how many slow
connections the server was holding open (and not yet answered) when each started.

Usage: bench/slowloris.py [--port 8080] [--slow 1000] [--sources 10] [--interval 3]
                          [--requests 200] [--gap 0.1] [--path /v1/songs/0/similar?k=10]
Only loopback addresses are ever contacted. Each slow connection needs a file descriptor here and
one in the server: mind `ulimit -n` on both sides (about --slow + 100).
"""
import argparse
import random
import resource
import selectors
import socket
import threading
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--slow", type=int, default=1000, help="slow connections")
    parser.add_argument("--sources", type=int, default=10, help="loopback addresses they come from")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between header bytes")
    parser.add_argument("--requests", type=int, default=200, help="normal requests to time")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between normal requests")
    parser.add_argument("--path", default="/v1/songs/0/similar?k=10")
    parser.add_argument("--timeout", type=float, default=10.0, help="a normal request's timeout")
    return parser.parse_args()


class SlowClients:
    """The slow connections, trickled by one thread until stop() is called."""

    def __init__(self, args):
        self.args = args
        self.selector = selectors.DefaultSelector()
        self.sockets = [None] * args.slow
        self.next_send = [0.0] * args.slow
        self.cut = 0  # answered (408, 503) or closed by the server, and opened again
        self.failed = 0  # connects that failed
        self.opened = threading.Event()  # every connection was opened once
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, i):
        source = "127.0.0.%d" % (2 + i % self.args.sources)
        try:
            sock = socket.create_connection(("127.0.0.1", self.args.port), timeout=2,
                                            source_address=(source, 0))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, i)
            self.sockets[i] = sock
        except OSError:
            self.sockets[i] = None
            self.failed += 1
        # Spread the trickles over the interval rather than sending them all at once.
        self.next_send[i] = time.monotonic() + random.uniform(0, self.args.interval)

    def drop(self, i):
        """Closes connection i, which the server let go; it is opened again at its next trickle."""
        self.selector.unregister(self.sockets[i])
        self.sockets[i].close()
        self.sockets[i] = None
        self.cut += 1

    def run(self):
        for i in range(self.args.slow):
            self.open(i)
        self.opened.set()
        while not self.done.is_set():
            # Anything the server sent (a 408, a 503) or its closing means it let go.
            for key, _ in self.selector.select(timeout=0.05):
                self.drop(key.data)
            now = time.monotonic()
            for i, sock in enumerate(self.sockets):
                if now < self.next_send[i]:
                    continue
                if sock is None:
                    self.open(i)
                    continue
                try:
                    sock.send(b"a")
                    self.next_send[i] = now + self.args.interval
                except OSError:
                    self.drop(i)

    def held(self):
        """The slow connections open and not yet answered, as of the last look at them."""
        return len(self.selector.get_map())

    def stop(self):
        self.done.set()
        self.thread.join()
        for sock in self.sockets:
            if sock is not None:
                sock.close()


def timed_request(args):
    """Seconds until the whole answer of one request on a new connection arrived, or None."""
    request = ("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % args.path).encode()
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout) as sock:
            sock.sendall(request)
            answer = b""
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    except OSError:
        return None
    if not answer.startswith(b"HTTP/1.1 200"):
        return None
    return time.monotonic() - start


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main():
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.slow + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.slow + 100), hard))
    slow = SlowClients(args)
    slow.thread.start()
    slow.opened.wait()
    time.sleep(args.interval + 1)
    latencies, failures, held = [], 0, []
    for _ in range(args.requests):
        held.append(slow.held())
        seconds = timed_request(args)
        if seconds is None:
            failures += 1
        else:
            latencies.append(seconds)
        time.sleep(args.gap)
    slow.stop()
    print("slow connections: %d from %d addresses; open and unanswered when a timed request "
          "started: %d on average, %d at least; answered (408, 503) or closed by the server, and "
          "opened again: %d; connects that failed: %d"
          % (args.slow, args.sources, sum(held) / len(held), min(held), slow.cut, slow.failed))
    if latencies:
        latencies.sort()
        print("normal requests: %d of %d answered 200; p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (len(latencies), args.requests, percentile(latencies, 50) * 1e3,
                 percentile(latencies, 99) * 1e3, latencies[-1] * 1e3))
    else:
        print("normal requests: none of %d answered 200 within %.0f s" % (args.requests, args.timeout))
    print("failed requests: %d" % failures)


if __name__ == "__main__":
    main()
