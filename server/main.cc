// songvec-server: answers song recommendations over HTTP from the active model of a songvec
// database, and swaps in newly activated models without a restart.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/isa.h"
#include "server/database_reader.h"
#include "server/metrics.h"
#include "server/model_reloader.h"
#include "server/song_service.h"
#include "server/transport.h"
#include "storage/database.h"
#include "util/command_line.h"

int main(int argc, char** argv) {
  using songvec::Status;
  songvec::ServerConfig config;
  std::string log_level = "info";
  std::string index = songvec::IndexPolicyName(config.index);
  CLI::App app(std::string("songvec ") + SONGVEC_VERSION +
                   ": answers song recommendations over HTTP from the active model of a songvec "
                   "database. Every option can come from its environment variable instead; an "
                   "option given beside its variable wins.",
               "songvec-server");
  songvec::ShowDefaults(app);
  // Each option reads SONGVEC_<NAME> (upper case, '-' as '_') from the environment too.
  auto variable = [](const std::string& name) {
    std::string upper = "SONGVEC_";
    for (char c : name) upper += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return upper;
  };
  auto add = [&app, &variable](const std::string& name, auto& value, const std::string& help) {
    return app.add_option("--" + name, value, help)->envname(variable(name));
  };
  auto add_switch = [&app, &variable](const std::string& name, bool& value,
                                      const std::string& help) {
    return app
        .add_flag("--" + name, value,
                  help + " (default: " + (value ? "true" : "false") + "; --" + name + "=false)")
        ->envname(variable(name));
  };
  add("db", config.db_path, "songvec database (opened read-only)")->required();
  add("host", config.host, "address to listen on");
  add("port", config.port, "port to listen on (0: any free port)")->check(CLI::Range(0, 65535));
  add("workers", config.transport.workers,
      "worker threads = requests handled at once (idle and slow connections hold none)")
      ->check(CLI::Range(1, 4096));
  add("keep-alive", config.transport.keep_alive_seconds,
      "seconds an idle connection is kept open (at least 1)")
      ->check(songvec::AtLeast(1));
  add("request-timeout", config.transport.request_timeout_seconds,
      "seconds a request may take to arrive, and its answer to be taken (else 408; at least 1)")
      ->check(songvec::AtLeast(1));
  add("max-connections-per-client", config.transport.max_connections_per_client,
      "connections one client address may hold open (0: no cap, behind a reverse proxy)")
      ->check(songvec::AtLeast(0));
  add("cors-origin", config.cors_origins,
      "origin a browser may call from, e.g. https://app.example.com (* for any); repeatable, "
      "comma-separated in the environment")
      ->delimiter(',');
  add("reload-interval", config.reload_seconds,
      "seconds between checks for a newly activated model (SIGHUP checks at once; at least 0.1)")
      ->check(songvec::AtLeast(0.1));
  add_switch("access-log", config.access_log, "log every request");
  add_switch("web", config.web, "serve the web app at / (false: the API alone)");
  add("log-level", log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  add("index", index,
      "search: auto, flat (every song scored), pruned (bounds; the same answers) or hnsw (a "
      "graph for similar, built at load where the model stored none)")
      ->check(CLI::IsMember({"auto", "flat", "pruned", "hnsw"}));
  if (auto exit = songvec::ParseCommandLine(app, "songvec-server",
                                            std::vector<std::string>(argv + 1, argv + argc))) {
    return *exit;
  }
  Status parsed = songvec::ConfiguredIsa().status();
  if (parsed.ok()) {
    songvec::Result<songvec::IndexPolicy> policy = songvec::ParseIndexPolicy(index);
    parsed = policy.status().WithContext("--index");
    if (policy.ok()) config.index = *policy;
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "songvec-server: %s\n", parsed.message().c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  // SIGINT, SIGTERM and SIGHUP are taken by one thread with sigwait(): the first two stop the
  // server cleanly, SIGHUP checks for a newly activated model. No other thread (workers included,
  // as they inherit the mask) is ever interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  songvec::Metrics metrics;
  auto reloader = songvec::ModelReloader::Open(config.db_path, metrics, config.index);
  auto reader = songvec::DatabaseReader::Open(config.db_path);
  for (const Status& status : {reloader.status(), reader.status()}) {
    if (!status.ok()) {
      spdlog::error("{}", status.message());
      return 1;
    }
  }
  // Each connection takes a file descriptor, and a soft limit of 1024 (Debian's default) would
  // run out long before the connections the transport can hold: the hard limit is the one meant.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  songvec::Transport server(config.transport);
  songvec::SongService service(**reloader, **reader, metrics);
  service.Install(server, config);
  const int port = server.Bind(config.host, config.port);
  if (port < 0) {
    spdlog::error("cannot listen on {}:{} (in use, or not an address of this machine?)",
                  config.host, config.port);
    return 1;
  }
  // The port is open before the model loads: until it can answer, GET /readyz and the model routes
  // answer 503 (a health check sees "not ready", not "connection refused"). The first check runs
  // at once; without an active model, or with one that fails to load, the server runs on not ready
  // and serves the first model that loads.
  (*reloader)->Trigger();
  (*reloader)->Start(std::chrono::milliseconds(static_cast<int64_t>(config.reload_seconds * 1000)));
  std::thread signal_thread([&] {
    while (true) {
      int signal = 0;
      sigwait(&signals, &signal);
      if (signal == SIGHUP) {
        spdlog::info("received SIGHUP: checking for a newly activated model");
        (*reloader)->Trigger();
        continue;
      }
      spdlog::info("received signal {}, shutting down", signal);
      server.Stop();
      return;
    }
  });
  spdlog::info("listening on http://{}:{} with {} workers (SIMD level {})", config.host, port,
               config.transport.workers, songvec::IsaName(songvec::DefaultIsa()));
  const bool clean = server.Run();
  // If serving could not start, wake the signal thread so it can be joined.
  if (!clean) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  spdlog::info("stopped");
  return clean ? 0 : 1;
}
