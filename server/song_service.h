#ifndef SONGVEC_SERVER_SONG_SERVICE_H_
#define SONGVEC_SERVER_SONG_SERVICE_H_

#include <string>
#include <vector>

#include "core/index.h"
#include "server/database_reader.h"
#include "server/metrics.h"
#include "server/model_reloader.h"
#include "server/transport.h"

namespace songvec {

// How songvec-server listens and serves.
struct ServerConfig {
  // Default: none (required).
  std::string db_path;
  // Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  // 0 picks any free port. Default: 8080.
  int port = 8080;
  // Workers, timeouts and connection limits (TransportOptions' defaults).
  TransportOptions transport;
  // Log one line per request. Default: true.
  bool access_log = true;
  // Origins a browser may call the API from (CORS); "*" for any. Default: none.
  std::vector<std::string> cors_origins;
  // How often the database is checked for a newly activated model. Default: 5.
  double reload_seconds = 5;
  // Which index answers searches (every one gives the same answers). Default: auto.
  IndexPolicy index = IndexPolicy::kAuto;
  // Serve the web app at / (InstallWebApp). Default: true.
  bool web = true;
};

// The REST API (README.md, "API"; server/openapi.json describes every route):
//   GET  /healthz, /readyz, /metrics, /openapi.json
//   GET  /v1/songs?q=            catalog search (SQLite FTS5)
//   GET  /v1/songs/{id}          one song, with its tags
//   GET  /v1/songs/{id}/similar  the songs most like it (cosine of centred input vectors)
//   GET  /v1/songs/{id}/next     the songs likeliest to follow it (Recommender, kNext)
//   POST /v1/recommend           continue a playlist: positive, negative and excluded seeds
//   GET  /v1/models, /v1/models/{version}
// Each handler reads parse (request_params.h, recommend_request.h) -> answer (core/query.h) ->
// render (json_render.h).
// Every error is JSON {"error": {"code", "message"}} with its HTTP status. Every response carries
// X-Request-Id. Requests are answered from the reloader's current snapshot, taken once per request.
class SongService {
 public:
  // All three must outlive the service.
  SongService(ModelReloader& models, DatabaseReader& db, Metrics& metrics)
      : models_(models), db_(db), metrics_(metrics) {}

  // Installs routes, the web app (config.web) and the middleware (InstallMiddleware) on `server`
  // (which was made with `config.transport`). `server` must not outlive this.
  void Install(Transport& server, const ServerConfig& config);

  // Method and OpenAPI path of every route ("GET", "/v1/songs/{id}"), as installed.
  static std::vector<std::pair<std::string, std::string>> Routes();

 private:
  using Handler = void (SongService::*)(const httplib::Request&, httplib::Response&) const;
  struct Route {
    const char* method;
    const char* pattern;  // cpp-httplib's regex
    const char* path;     // OpenAPI's, also the metrics' route label
    Handler handler;
  };
  static const std::vector<Route>& RouteTable();

  void Health(const httplib::Request& req, httplib::Response& res) const;
  void Ready(const httplib::Request& req, httplib::Response& res) const;
  void ServeMetrics(const httplib::Request& req, httplib::Response& res) const;
  void OpenApi(const httplib::Request& req, httplib::Response& res) const;
  void Search(const httplib::Request& req, httplib::Response& res) const;
  void GetSong(const httplib::Request& req, httplib::Response& res) const;
  void Similar(const httplib::Request& req, httplib::Response& res) const;
  void Next(const httplib::Request& req, httplib::Response& res) const;
  void Neighbors(const httplib::Request& req, httplib::Response& res, Scoring scoring) const;
  void Recommend(const httplib::Request& req, httplib::Response& res) const;
  void ListModels(const httplib::Request& req, httplib::Response& res) const;
  void GetModel(const httplib::Request& req, httplib::Response& res) const;

  ModelReloader& models_;
  DatabaseReader& db_;
  Metrics& metrics_;
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_SONG_SERVICE_H_
