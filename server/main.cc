// songvec-server: answers "songs like X" over HTTP from the active model of a songvec database.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "server/model_snapshot.h"
#include "server/song_service.h"
#include "storage/database.h"
#include "util/flags.h"

int main(int argc, char** argv) {
  using songvec::Status;
  songvec::ServerConfig config;
  std::string log_level = "info";
  songvec::FlagSet flags("songvec-server --db FILE [options]");
  flags.Add("db", &config.db_path, "songvec database (opened read-only)");
  flags.Add("host", &config.host, "address to listen on");
  flags.Add("port", &config.port, "port to listen on (0: any free port)");
  flags.Add("workers", &config.workers, "worker threads = connections served at once");
  flags.Add("keep-alive", &config.keep_alive_seconds, "seconds an idle connection is kept open");
  flags.Add("access-log", &config.access_log, "log every request");
  flags.Add("log-level", &log_level, "debug, info, warn or error");
  Status parsed = flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (parsed.ok() && flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (parsed.ok()) parsed = flags.Require("db");
  if (parsed.ok() && (config.port < 0 || config.port > 65535)) {
    parsed = Status::InvalidArgument("--port must be between 0 and 65535");
  }
  if (parsed.ok() && (config.workers < 1 || config.workers > 4096)) {
    parsed = Status::InvalidArgument("--workers must be between 1 and 4096");
  }
  if (parsed.ok() && config.keep_alive_seconds < 1) {
    parsed = Status::InvalidArgument("--keep-alive must be at least 1 second");
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "songvec-server: %s\n", parsed.message().c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // SIGINT and SIGTERM are taken by one thread with sigwait(), which stops the server cleanly; no
  // other thread (workers included, as they inherit the mask) is ever interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto db = songvec::Database::Open(config.db_path, songvec::Database::Mode::kReadOnly);
  if (!db.ok()) {
    spdlog::error("{}", db.status().message());
    return 1;
  }
  auto model = songvec::ModelSnapshot::LoadActive(*db);
  if (!model.ok()) {
    spdlog::error("{}", model.status().message());
    return 1;
  }
  spdlog::info("loaded model {} ({} songs, dim {}) from {}", (*model)->info().version,
               (*model)->model_songs(), (*model)->info().dim, config.db_path);

  httplib::Server server;
  songvec::SongService service(*model);
  service.Install(server, config);
  const int port = config.port == 0
                       ? server.bind_to_any_port(config.host)
                       : (server.bind_to_port(config.host, config.port) ? config.port : -1);
  if (port < 0) {
    spdlog::error("cannot listen on {}:{} (in use, or not an address of this machine?)",
                  config.host, config.port);
    return 1;
  }
  std::thread signal_thread([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    spdlog::info("received signal {}, shutting down", signal);
    server.stop();
  });
  spdlog::info("listening on http://{}:{} with {} workers", config.host, port, config.workers);
  const bool clean = server.listen_after_bind();
  // If listening ended on its own, wake the signal thread so it can be joined.
  if (server.is_running() || !clean) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  spdlog::info("stopped");
  return clean ? 0 : 1;
}
