// ceiling_server: the fastest songvec-server could possibly answer. songvec-server's transport
// (server/transport.h, with songvec-server's defaults: a pool of --workers threads, 5 s
// keep-alive, the same request framing and listen backlog) whose only route, GET /ceiling,
// returns a constant small JSON
// body: no routing regexes, no model, no JSON building, no logging. bench/load.sh measures it
// beside songvec-server; the ratio is what songvec's own work costs.
// Usage: ceiling_server [--host 127.0.0.1] [--port 0] [--workers 128]
// Logs "listening on http://HOST:PORT" as songvec-server does; stops cleanly on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "server/transport.h"
#include "util/command_line.h"

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  int workers = 128;
  CLI::App app(
      "The fastest songvec-server could possibly answer: its transport, one constant route.",
      "ceiling_server");
  songvec::ShowDefaults(app);
  app.add_option("--host", host, "address to listen on");
  app.add_option("--port", port, "port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--workers", workers, "worker threads = requests handled at once")
      ->check(CLI::Range(1, 4096));
  if (auto exit = songvec::ParseCommandLine(app, "ceiling_server",
                                            std::vector<std::string>(argv + 1, argv + argc))) {
    return *exit;
  }

  // As songvec-server: one thread takes SIGINT and SIGTERM with sigwait(); the workers never see
  // them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  songvec::TransportOptions options;
  options.workers = workers;
  songvec::Transport server(options);

  static const std::string kBody = R"({"status":"ok","ceiling":true})";
  server.Get("/ceiling", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kBody, "application/json");
  });

  const int bound = server.Bind(host, port);
  if (bound < 0) {
    spdlog::error("cannot listen on {}:{}", host, port);
    return 1;
  }
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    spdlog::info("received signal {}, shutting down", signal);
    server.Stop();
  });
  spdlog::info("listening on http://{}:{} with {} workers", host, bound, workers);
  const bool clean = server.Run();
  if (!clean) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  spdlog::info("stopped");
  return clean ? 0 : 1;
}
