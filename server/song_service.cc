#include "server/song_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

namespace songvec {
namespace {

// ordered_json keeps keys in the order written: the query song before its results.
using json = nlohmann::ordered_json;

constexpr size_t kMaxK = 1000;
constexpr size_t kDefaultK = 10;
constexpr size_t kMaxSongIdBytes = 512;  // as the plain playlist format accepts

// Song ids are at most kMaxSongIdBytes of printable, non-space characters.
bool ValidSongId(const std::string& id) {
  if (id.empty() || id.size() > kMaxSongIdBytes) return false;
  for (unsigned char c : id) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

void SendJson(httplib::Response& response, int status, const json& body) {
  response.status = status;
  // Replace invalid UTF-8 rather than throw: a catalog is user data.
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

void SendError(httplib::Response& response, int status, const std::string& code,
               const std::string& message) {
  SendJson(response, status, {{"error", {{"code", code}, {"message", message}}}});
}

// Code and message for errors the HTTP layer raised before any handler ran.
std::pair<std::string, std::string> DescribeStatus(int status, const httplib::Request& req) {
  switch (status) {
    case 400:
      return {"bad_request", "malformed HTTP request"};
    case 404:
      return {"not_found", "no route for " + req.method + " " + req.path};
    case 413:
      return {"payload_too_large", "the request body is over 64 KiB"};
    case 414:
      return {"uri_too_long", "the request URI is too long"};
    default:
      return {status >= 500 ? "internal" : "error", "HTTP status " + std::to_string(status)};
  }
}

json SongJson(const Song& song) {
  return {{"id", song.id}, {"title", song.title}, {"artist", song.artist}, {"tags", song.tags}};
}

// Start time of the request the current worker is handling, for the access log's latency.
thread_local std::chrono::steady_clock::time_point request_start;

}  // namespace

void SongService::Install(httplib::Server& server, const ServerConfig& config) {
  server.set_tcp_nodelay(true);  // without it a keep-alive client waits ~40 ms per request
  const auto workers = static_cast<size_t>(config.workers);
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(config.keep_alive_seconds);
  server.set_payload_max_length(64 * 1024);

  server.Get("/healthz", [this](const auto& req, auto& res) { Health(req, res); });
  server.Get(R"(/v1/songs/([^/]+))", [this](const auto& req, auto& res) { GetSong(req, res); });
  server.Get(R"(/v1/songs/([^/]+)/similar)",
             [this](const auto& req, auto& res) { Neighbors(req, res, Scoring::kSimilar); });
  server.Get(R"(/v1/songs/([^/]+)/next)",
             [this](const auto& req, auto& res) { Neighbors(req, res, Scoring::kNext); });
  // The routes exist for GET (and HEAD) only: other methods are told so, not "not found".
  for (const char* pattern : {"/healthz", R"(/v1/songs/([^/]+))", R"(/v1/songs/([^/]+)/similar)",
                              R"(/v1/songs/([^/]+)/next)"}) {
    auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "GET, HEAD");
      SendError(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    };
    server.Post(pattern, not_allowed);
    server.Put(pattern, not_allowed);
    server.Patch(pattern, not_allowed);
    server.Delete(pattern, not_allowed);
    server.Options(pattern, not_allowed);
  }

  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors that no handler answered (unknown route, malformed request) get the JSON error shape
  // too.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const auto [code, message] = DescribeStatus(res.status, req);
    SendError(res, res.status, code, message);
  });
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("{} {}: handler failed: {}", req.method, req.path, what);
        SendError(res, 500, "internal", "internal error; the server logged the details");
      });
  if (config.access_log) {
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                  request_start)
                            .count();
      spdlog::info("{} {} {} {} {:.3f}ms", req.remote_addr, req.method, req.target, res.status, ms);
    });
  }
}

void SongService::Health(const httplib::Request&, httplib::Response& res) const {
  SendJson(res, 200,
           {{"status", "ok"},
            {"model_version", model_->info().version},
            {"songs", model_->model_songs()}});
}

void SongService::GetSong(const httplib::Request& req, httplib::Response& res) const {
  const std::string id = req.matches[1];
  if (!ValidSongId(id)) {
    return SendError(res, 400, "bad_request", "song id must be 1 to 512 printable characters");
  }
  const int32_t index = model_->Find(id);
  if (index < 0) return SendError(res, 404, "not_found", "unknown song '" + id + "'");
  json body = SongJson(model_->song(index));
  body["in_model"] = static_cast<size_t>(index) < model_->model_songs();
  SendJson(res, 200, body);
}

void SongService::Neighbors(const httplib::Request& req, httplib::Response& res,
                            Scoring scoring) const {
  const std::string id = req.matches[1];
  if (!ValidSongId(id)) {
    return SendError(res, 400, "bad_request", "song id must be 1 to 512 printable characters");
  }
  size_t k = kDefaultK;
  if (req.has_param("k")) {
    const std::string text = req.get_param_value("k");
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), k);
    if (error != std::errc() || end != text.data() + text.size() || k < 1 || k > kMaxK) {
      return SendError(res, 400, "bad_request",
                       "k must be an integer from 1 to 1000, got '" + text + "'");
    }
  }
  const ModelSnapshot& model = *model_;
  const int32_t index = model.Find(id);
  if (index < 0) return SendError(res, 404, "not_found", "unknown song '" + id + "'");
  if (static_cast<size_t>(index) >= model.model_songs()) {
    return SendError(res, 404, "not_found",
                     "song '" + id + "' is in the catalog but model " +
                         std::to_string(model.info().version) +
                         " has no vector for it (it was not in the training playlists)");
  }
  std::string tag;
  if (req.has_param("tag")) {
    tag = req.get_param_value("tag");
    if (tag.empty() || tag.size() > 100) {
      return SendError(res, 400, "bad_request", "tag must be 1 to 100 characters");
    }
  }
  if (scoring == Scoring::kNext && !model.recommender().has_next()) {
    return SendError(res, 404, "not_found",
                     "model " + std::to_string(model.info().version) +
                         " has no output vectors (it was imported), so it cannot score next; "
                         "use /similar");
  }
  const int32_t seed[] = {index};
  json results = json::array();
  // With a tag, only songs carrying it; the filter runs only on rows that would enter the top k.
  auto exclude = [&](int32_t row) {
    if (row == index) return true;
    if (tag.empty()) return false;
    const std::vector<std::string>& tags = model.song(row).tags;
    return std::find(tags.begin(), tags.end(), tag) == tags.end();
  };
  for (const Neighbor& n : model.recommender().Recommend(scoring, seed, {}, k, exclude)) {
    json song = SongJson(model.song(n.row));
    // Six decimals: float precision, without the noise digits of its conversion to double.
    song["score"] = std::round(static_cast<double>(n.score) * 1e6) / 1e6;
    results.push_back(std::move(song));
  }
  SendJson(res, 200,
           {{"song", SongJson(model.song(index))},
            {"model_version", model.info().version},
            {"scoring", ScoringName(scoring)},
            {"k", k},
            {"results", std::move(results)}});
}

}  // namespace songvec
