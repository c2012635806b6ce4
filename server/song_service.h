#ifndef SONGVEC_SERVER_SONG_SERVICE_H_
#define SONGVEC_SERVER_SONG_SERVICE_H_

#include <httplib.h>

#include <memory>
#include <string>
// httplib pulls in <resolv.h>, whose _res macro breaks Eigen (it names parameters _res).
#undef _res

#include "server/model_snapshot.h"

namespace songvec {

// How songvec-server listens and serves.
struct ServerConfig {
  // Default: none (required).
  std::string db_path;
  // Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  // 0 picks any free port. Default: 8080.
  int port = 8080;
  // Worker threads. A keep-alive connection holds a worker while it is open, so this bounds the
  // connections served at once; more wait in the accept queue. Default: 128.
  int workers = 128;
  // An idle keep-alive connection is closed after this many seconds, freeing its worker.
  // Default: 5.
  int keep_alive_seconds = 5;
  // Log one line per request. Default: true.
  bool access_log = true;
};

// The REST API over one model snapshot (README.md, "API"):
//   GET /healthz                       status, model version, number of songs
//   GET /v1/songs/{id}                 one song, with its tags
//   GET /v1/songs/{id}/similar?k=10    the k songs most like it (cosine; k: 1..1000)
//   GET /v1/songs/{id}/next?k=10       the k songs most likely to follow it (Recommender, kNext)
// Both neighbour routes take tag=NAME to return only songs with that tag.
// Every error is JSON {"error": {"code", "message"}} with its HTTP status: 400 bad parameter, 404
// unknown song or route, 405 wrong method, 500 when a handler throws (the server keeps running).
// Handlers only read the snapshot, so any number run at once.
class SongService {
 public:
  explicit SongService(std::shared_ptr<const ModelSnapshot> model) : model_(std::move(model)) {}

  // Installs routes and error, exception and logging handlers on `server`, and applies `config`'s
  // connection settings (TCP_NODELAY, worker pool, keep-alive). `server` must not outlive this.
  void Install(httplib::Server& server, const ServerConfig& config);

 private:
  void Health(const httplib::Request& request, httplib::Response& response) const;
  void GetSong(const httplib::Request& request, httplib::Response& response) const;
  void Neighbors(const httplib::Request& request, httplib::Response& response,
                 Scoring scoring) const;

  const std::shared_ptr<const ModelSnapshot> model_;
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_SONG_SERVICE_H_
