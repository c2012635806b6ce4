#include "server/song_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "server/recommend_request.h"
#include "storage/model_json.h"

namespace songvec {

extern const char kOpenApiJson[];  // server/openapi.json, embedded at build time

namespace {

// ordered_json keeps keys in the order written: the query song before its results.
using json = nlohmann::ordered_json;

constexpr int64_t kMaxOffset = 10000;
constexpr size_t kMaxQueryBytes = 200;

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on (a catalog is user data).
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void SendJson(httplib::Response& response, int status, std::string text) {
  response.status = status;
  // set_content() without its copy of the body.
  response.body = std::move(text);
  response.headers.erase("Content-Type");
  response.set_header("Content-Type", "application/json");
}

void SendJson(httplib::Response& response, int status, const json& body) {
  SendJson(response, status, Dump(body));
}

// Appends the JSON object `object` (text) to `out` with `fields` (text: ,"name":value...) added
// before its closing brace.
void AppendWithFields(std::string& out, std::string_view object, std::string_view fields) {
  out.append(object.substr(0, object.size() - 1)).append(fields).push_back('}');
}

// `head` (a non-empty object) with the fields `tail` appended, their values already JSON text:
// answers splice in the songs' stored JSON (ModelSnapshot::song_json) instead of rebuilding it.
std::string ObjectWith(const json& head,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> tail) {
  std::string fields;
  for (const auto& [name, value] : tail) {
    fields.append(",\"").append(name).append("\":").append(value);
  }
  std::string out;
  AppendWithFields(out, Dump(head), fields);
  return out;
}

// `score` rounded to six decimals (float precision, without the noise digits of its conversion to
// double), as nlohmann writes a double: shortest round trip, and a whole number keeps ".0". Always
// a JSON number: loading refuses non-finite vectors, but finite ones large enough can still
// overflow a score, which is written as float's largest (or lowest) value, and a NaN as the lowest.
std::string ScoreText(float score) {
  constexpr float kMax = std::numeric_limits<float>::max();
  score = score > kMax ? kMax : score >= -kMax ? score : -kMax;
  char text[32];
  const double rounded = std::round(static_cast<double>(score) * 1e6) / 1e6;
  const auto [end, error] = std::to_chars(text, text + sizeof(text), rounded);
  std::string out(text, end);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

void SendError(httplib::Response& response, int status, const std::string& code,
               const std::string& message) {
  SendJson(response, status, {{"error", {{"code", code}, {"message", message}}}});
}

void SendBadRequest(httplib::Response& response, const std::string& message) {
  SendError(response, 400, "bad_request", message);
}

void SendNotReady(httplib::Response& response) {
  SendError(response, 503, "not_ready",
            "no model is loaded yet: train one (songvec-train train), the server picks it up");
}

// The 404 of a next-song query to a model without output vectors; `hint` says what to ask instead.
void SendCannotScoreNext(httplib::Response& response, const ModelSnapshot& model,
                         const std::string& hint) {
  SendError(response, 404, "not_found",
            "model " + std::to_string(model.info().version) +
                " has no output vectors (it was imported), so it cannot score next; " + hint);
}

// Code and message for errors cpp-httplib raised before any handler ran (the transport refuses
// oversized and ill-framed requests itself, before cpp-httplib sees them).
std::pair<std::string, std::string> DescribeStatus(int status, const httplib::Request& req) {
  switch (status) {
    case 400:
      return {"bad_request", "malformed HTTP request"};
    case 404:
      return {"not_found", "no route for " + req.method + " " + req.path};
    case 413:  // a form body over cpp-httplib's 8 KiB
      return {"payload_too_large", "the request body is too large"};
    default:
      return {status >= 500 ? "internal" : "error", "HTTP status " + std::to_string(status)};
  }
}

// Reads the integer query parameter `name` (default `fallback`) into `value`; false after sending
// a 400 naming it.
bool IntegerParam(const httplib::Request& req, httplib::Response& res, const char* name,
                  int64_t min, int64_t max, int64_t fallback, int64_t* value) {
  *value = fallback;
  if (!req.has_param(name)) return true;
  const std::string text = req.get_param_value(name);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (error != std::errc() || end != text.data() + text.size() || *value < min || *value > max) {
    SendBadRequest(res, std::string(name) + " must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max) + ", got '" + text + "'");
    return false;
  }
  return true;
}

// The tag= parameter ("" when absent); false after sending a 400.
bool TagParam(const httplib::Request& req, httplib::Response& res, std::string* tag) {
  if (!req.has_param("tag")) return true;
  *tag = req.get_param_value("tag");
  if (tag->empty() || tag->size() > kMaxTagBytes) {
    SendBadRequest(res, "tag must be 1 to 100 characters");
    return false;
  }
  return true;
}

bool HasTag(const Song& song, const std::string& tag) {
  return std::find(song.tags.begin(), song.tags.end(), tag) != song.tags.end();
}

// Keeps the rows of `ranked` (best first) that `exclude` lets through, at most `max_per_artist`
// per artist (0: no limit), until there are `wanted`.
std::vector<Neighbor> Filter(const ModelSnapshot& model, const std::vector<Neighbor>& ranked,
                             size_t wanted, size_t max_per_artist, const RowFilter& exclude) {
  std::vector<Neighbor> kept;
  std::unordered_map<std::string_view, size_t> per_artist;
  for (const Neighbor& n : ranked) {
    if (kept.size() == wanted) break;
    if (exclude(n.row)) continue;
    const std::string& artist = model.song(n.row).artist;
    // Untitled songs (not in the catalog) have no artist to limit.
    if (max_per_artist > 0 && !artist.empty() && ++per_artist[artist] > max_per_artist) continue;
    kept.push_back(n);
  }
  return kept;
}

// The best rows `ranked(n)` computes, n of them, skipping `exclude`.
using Ranked = std::function<std::vector<Neighbor>(size_t n)>;

// Rows [offset, offset + k) of a ranking, skipping `exclude`, with at most `max_per_artist` songs
// per artist (0: no limit). The ranking of a single seed (`single_seed`, else -1) with no
// negatives is read from the model's neighbour cache when its depth holds enough rows that pass;
// otherwise it is computed by `ranked`, asking for more rows until enough pass.
std::vector<Neighbor> Rank(const ModelSnapshot& model, Scoring scoring, int32_t single_seed,
                           const Ranked& ranked, size_t k, size_t offset, size_t max_per_artist,
                           const RowFilter& exclude) {
  const size_t wanted = offset + k;
  const Recommender& recommender = model.recommender();
  std::vector<Neighbor> kept;
  const NeighborCache* cache = model.neighbor_cache(scoring);
  bool answered = false;
  if (cache != nullptr && single_seed >= 0) {
    std::vector<Neighbor> scratch;
    const std::vector<Neighbor>& cached = cache->Get(single_seed, &scratch);
    kept = Filter(model, cached, wanted, max_per_artist, exclude);
    // The cache holds every other row when it is shorter than its depth.
    answered = kept.size() == wanted || cached.size() < NeighborCache::kDepth;
  }
  for (size_t asked = wanted; !answered; asked = std::min(asked * 4, recommender.size())) {
    const std::vector<Neighbor> rows = ranked(asked);
    kept = Filter(model, rows, wanted, max_per_artist, [](int32_t) { return false; });
    answered = kept.size() == wanted || rows.size() < asked || asked >= recommender.size();
  }
  if (kept.size() <= offset) return {};
  kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(offset));
  return kept;
}

// The JSON array of `neighbors`: each song with its score.
std::string ResultsJson(const ModelSnapshot& model, const std::vector<Neighbor>& neighbors) {
  size_t size = 2;
  for (const Neighbor& n : neighbors) size += model.song_json(n.row).size() + 32;
  std::string results = "[";
  results.reserve(size);
  for (const Neighbor& n : neighbors) {
    if (results.size() > 1) results.push_back(',');
    AppendWithFields(results, model.song_json(n.row), ",\"score\":" + ScoreText(n.score));
  }
  results.push_back(']');
  return results;
}

// What the access log and the metrics need to know of the request a worker is handling.
struct RequestState {
  std::chrono::steady_clock::time_point start;
  const char* route = "other";
  std::string id;
};
thread_local RequestState current_request;

// X-Request-Id: the client's if it is a sane token, else 16 random hex digits.
std::string RequestId(const httplib::Request& req) {
  std::string id = req.get_header_value("X-Request-Id");
  const bool sane =
      !id.empty() && id.size() <= 128 &&
      std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
  if (sane) return id;
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string text(16, '0');
  uint64_t bits = rng();
  for (char& c : text) {
    c = "0123456789abcdef"[bits >> 60];
    bits <<= 4;
  }
  return text;
}

}  // namespace

const std::vector<SongService::Route>& SongService::RouteTable() {
  static const std::vector<Route> routes = {
      {"GET", "/healthz", "/healthz", &SongService::Health},
      {"GET", "/readyz", "/readyz", &SongService::Ready},
      {"GET", "/metrics", "/metrics", &SongService::ServeMetrics},
      {"GET", "/openapi.json", "/openapi.json", &SongService::OpenApi},
      {"GET", "/v1/songs", "/v1/songs", &SongService::Search},
      {"GET", R"(/v1/songs/([^/]+))", "/v1/songs/{id}", &SongService::GetSong},
      {"GET", R"(/v1/songs/([^/]+)/similar)", "/v1/songs/{id}/similar", &SongService::Similar},
      {"GET", R"(/v1/songs/([^/]+)/next)", "/v1/songs/{id}/next", &SongService::Next},
      {"POST", "/v1/recommend", "/v1/recommend", &SongService::Recommend},
      {"GET", "/v1/models", "/v1/models", &SongService::ListModels},
      {"GET", R"(/v1/models/([^/]+))", "/v1/models/{version}", &SongService::GetModel},
  };
  return routes;
}

std::vector<std::pair<std::string, std::string>> SongService::Routes() {
  std::vector<std::pair<std::string, std::string>> routes;
  for (const Route& route : RouteTable()) routes.emplace_back(route.method, route.path);
  return routes;
}

void SongService::Install(Transport& server, const ServerConfig& config) {
  for (const Route& route : RouteTable()) {
    auto handle = [this, &route](const httplib::Request& req, httplib::Response& res) {
      current_request.route = route.path;
      (this->*route.handler)(req, res);
    };
    if (std::string(route.method) == "GET") {
      server.Get(route.pattern, handle);
    } else {
      server.Post(route.pattern, handle);
    }
    // Other methods are told which one the route takes, not "not found".
    auto not_allowed = [&route](const httplib::Request& req, httplib::Response& res) {
      current_request.route = route.path;
      res.set_header("Allow", std::string(route.method) == "GET" ? "GET, HEAD" : route.method);
      SendError(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    };
    if (std::string(route.method) != "GET") server.Get(route.pattern, not_allowed);
    if (std::string(route.method) != "POST") server.Post(route.pattern, not_allowed);
    server.Put(route.pattern, not_allowed);
    server.Patch(route.pattern, not_allowed);
    server.Delete(route.pattern, not_allowed);
    server.Options(route.pattern, not_allowed);
  }

  const std::unordered_set<std::string> origins(config.cors_origins.begin(),
                                                config.cors_origins.end());
  server.set_pre_routing_handler([origins](const httplib::Request& req, httplib::Response& res) {
    current_request = {std::chrono::steady_clock::now(), "other", RequestId(req)};
    res.set_header("X-Request-Id", current_request.id);
    const std::string origin = req.get_header_value("Origin");
    const bool allowed = !origin.empty() && (origins.count(origin) > 0 || origins.count("*") > 0);
    if (allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Access-Control-Expose-Headers", "X-Request-Id");
      res.set_header("Vary", "Origin");
    }
    // A CORS preflight: answered here for every route; without an allowed origin it carries no
    // Access-Control-Allow-* headers, so the browser refuses the real request.
    if (req.method == "OPTIONS" && req.has_header("Access-Control-Request-Method")) {
      current_request.route = "preflight";
      if (allowed) {
        res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Content-Type, X-Request-Id");
        res.set_header("Access-Control-Max-Age", "600");
      }
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors that no handler answered (unknown route, malformed request, oversized body) get the
  // JSON error shape too.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const auto [code, message] = DescribeStatus(res.status, req);
    SendError(res, res.status, code, message);
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                  std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {} [{}]: handler failed: {}", req.method, req.path, current_request.id, what);
    SendError(res, 500, "internal", "internal error; the server logged the details");
  });
  server.set_logger([this, access_log = config.access_log](const httplib::Request& req,
                                                           const httplib::Response& res) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - current_request.start)
            .count();
    metrics_.ObserveRequest(current_request.route, res.status, seconds);
    if (access_log) {
      spdlog::info("{} {} {} {} {:.3f}ms id={}", req.remote_addr, req.method, req.target,
                   res.status, seconds * 1e3, current_request.id);
    }
  });
}

void SongService::Health(const httplib::Request&, httplib::Response& res) const {
  const auto model = models_.Current();
  SendJson(res, 200,
           {{"status", "ok"},
            {"model_version", model ? json(model->info().version) : json(nullptr)},
            {"songs", model ? model->model_songs() : 0}});
}

void SongService::Ready(const httplib::Request&, httplib::Response& res) const {
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  SendJson(res, 200,
           {{"status", "ready"},
            {"model_version", model->info().version},
            {"songs", model->model_songs()}});
}

void SongService::ServeMetrics(const httplib::Request&, httplib::Response& res) const {
  const auto model = models_.Current();
  res.set_content(
      metrics_.Render(model ? model->info().version : -1, model ? model->model_songs() : 0),
      "text/plain; version=0.0.4");
}

void SongService::OpenApi(const httplib::Request&, httplib::Response& res) const {
  res.set_content(kOpenApiJson, "application/json");
}

void SongService::Search(const httplib::Request& req, httplib::Response& res) const {
  const std::string query = req.get_param_value("q");
  if (query.empty() || query.size() > kMaxQueryBytes) {
    return SendBadRequest(res, "q must be 1 to 200 characters: words of a title or an artist");
  }
  int64_t limit, offset;
  if (!IntegerParam(req, res, "limit", 1, 100, 20, &limit)) return;
  if (!IntegerParam(req, res, "offset", 0, kMaxOffset, 0, &offset)) return;
  Result<std::vector<Song>> hits = db_.Search(query, limit, offset);
  if (!hits.ok()) {
    if (hits.status().code() == Status::Code::kInvalidArgument) {
      return SendBadRequest(res, "q: " + hits.status().message());
    }
    throw std::runtime_error(hits.status().message());
  }
  const auto model = models_.Current();
  std::string results = "[";
  for (const Song& hit : *hits) {
    if (results.size() > 1) results.push_back(',');
    // Tags come from the loaded snapshot; a song added since it was loaded has none yet.
    const int32_t index = model ? model->Find(hit.id) : -1;
    const bool in_model = index >= 0 && static_cast<size_t>(index) < model->model_songs();
    AppendWithFields(results, index >= 0 ? model->song_json(index) : SongJson(hit),
                     in_model ? ",\"in_model\":true" : ",\"in_model\":false");
  }
  results.push_back(']');
  SendJson(
      res, 200,
      ObjectWith({{"query", query}, {"limit", limit}, {"offset", offset}}, {{"results", results}}));
}

void SongService::GetSong(const httplib::Request& req, httplib::Response& res) const {
  const std::string id = req.matches[1];
  if (!ValidSongId(id)) {
    return SendBadRequest(res, "song id must be 1 to 512 printable characters");
  }
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  const int32_t index = model->Find(id);
  if (index < 0) return SendError(res, 404, "not_found", "unknown song '" + id + "'");
  std::string body;
  AppendWithFields(body, model->song_json(index),
                   static_cast<size_t>(index) < model->model_songs() ? ",\"in_model\":true"
                                                                     : ",\"in_model\":false");
  SendJson(res, 200, body);
}

void SongService::Similar(const httplib::Request& req, httplib::Response& res) const {
  Neighbors(req, res, Scoring::kSimilar);
}

void SongService::Next(const httplib::Request& req, httplib::Response& res) const {
  Neighbors(req, res, Scoring::kNext);
}

void SongService::Neighbors(const httplib::Request& req, httplib::Response& res,
                            Scoring scoring) const {
  const std::string id = req.matches[1];
  if (!ValidSongId(id)) {
    return SendBadRequest(res, "song id must be 1 to 512 printable characters");
  }
  int64_t k, offset, max_per_artist;
  if (!IntegerParam(req, res, "k", 1, kMaxK, kDefaultK, &k)) return;
  if (!IntegerParam(req, res, "offset", 0, kMaxOffset, 0, &offset)) return;
  if (!IntegerParam(req, res, "max_per_artist", 1, kMaxK, 0, &max_per_artist)) return;
  bool exclude_same_artist = false;
  if (req.has_param("exclude_same_artist")) {
    const std::string text = req.get_param_value("exclude_same_artist");
    if (text != "true" && text != "false") {
      return SendBadRequest(res, "exclude_same_artist must be true or false, got '" + text + "'");
    }
    exclude_same_artist = text == "true";
  }
  std::string tag;
  if (!TagParam(req, res, &tag)) return;

  const auto snapshot = models_.Current();
  if (!snapshot) return SendNotReady(res);
  const ModelSnapshot& model = *snapshot;
  const int32_t index = model.Find(id);
  if (index < 0) return SendError(res, 404, "not_found", "unknown song '" + id + "'");
  if (static_cast<size_t>(index) >= model.model_songs()) {
    return SendError(res, 404, "not_found",
                     "song '" + id + "' is in the catalog but model " +
                         std::to_string(model.info().version) +
                         " has no vector for it (it was not in the training playlists)");
  }
  if (scoring == Scoring::kNext && !model.recommender().has_next()) {
    return SendCannotScoreNext(res, model, "use /similar");
  }
  const std::string& artist = model.song(index).artist;
  // The filters run only on rows that would enter the top k.
  auto exclude = [&](int32_t row) {
    if (row == index) return true;
    const Song& song = model.song(row);
    if (exclude_same_artist && !artist.empty() && song.artist == artist) return true;
    return !tag.empty() && !HasTag(song, tag);
  };
  const int32_t seed[] = {index};
  const std::vector<Neighbor> neighbors = Rank(
      model, scoring, index,
      [&](size_t n) { return model.recommender().Recommend(scoring, seed, {}, n, exclude); },
      static_cast<size_t>(k), static_cast<size_t>(offset), static_cast<size_t>(max_per_artist),
      exclude);
  SendJson(
      res, 200,
      ObjectWith({{"model_version", model.info().version},
                  {"scoring", ScoringName(scoring)},
                  {"k", k},
                  {"offset", offset}},
                 {{"song", model.song_json(index)}, {"results", ResultsJson(model, neighbors)}}));
}

void SongService::Recommend(const httplib::Request& req, httplib::Response& res) const {
  Result<RecommendRequest> request = ParseRecommendRequest(req.body);
  if (!request.ok()) return SendBadRequest(res, request.status().message());
  const auto& lists = request->lists;
  const Scoring scoring = request->scoring;
  const std::string& tag = request->tag;
  const std::optional<bool> repeats = request->repeats;
  const int64_t k = request->k, max_per_artist = request->max_per_artist;

  const auto snapshot = models_.Current();
  if (!snapshot) return SendNotReady(res);
  const ModelSnapshot& model = *snapshot;
  if (scoring == Scoring::kNext && !model.recommender().has_next()) {
    return SendCannotScoreNext(res, model, "ask for \"scoring\": \"similar\"");
  }
  // Ids the model does not know are reported, not fatal, unless no seed is left. A playlist's
  // seeds are the songs of its last kDefaultContext entries, as `eval`'s continuation gives them.
  json unknown = json::array();
  std::vector<int32_t> rows[RecommendRequest::kLists], playlist_seeds;
  const size_t first_seed = lists[RecommendRequest::kPlaylist].size() -
                            std::min(lists[RecommendRequest::kPlaylist].size(), kDefaultContext);
  for (int l = 0; l < RecommendRequest::kLists; ++l) {
    for (size_t i = 0; i < lists[l].size(); ++i) {
      const int32_t index = model.Find(lists[l][i]);
      if (index < 0 || static_cast<size_t>(index) >= model.model_songs()) {
        unknown.push_back(lists[l][i]);
      } else {
        rows[l].push_back(index);
        if (l == RecommendRequest::kPlaylist && i >= first_seed) playlist_seeds.push_back(index);
      }
    }
  }
  const bool by_playlist = lists[RecommendRequest::kPositive].empty();
  const std::vector<int32_t>& seeds =
      by_playlist ? playlist_seeds : rows[RecommendRequest::kPositive];
  if (seeds.empty()) {
    const std::vector<std::string>& asked =
        lists[by_playlist ? RecommendRequest::kPlaylist : RecommendRequest::kPositive];
    std::string ids;
    for (size_t i = by_playlist ? first_seed : 0; i < asked.size(); ++i) {
      ids += (ids.empty() ? "" : ", ") + asked[i];
    }
    return SendError(res, 404, "not_found",
                     std::string("none of the ") +
                         (by_playlist ? "playlist's last songs" : "positive songs") +
                         " is known to model " + std::to_string(model.info().version) + ": " + ids);
  }
  // At most 500 rows: a sorted vector is the quickest to ask. The playlist's own songs are left to
  // Recommender::Continue (repeats).
  std::vector<int32_t> excluded;
  for (const int l :
       {RecommendRequest::kPositive, RecommendRequest::kNegative, RecommendRequest::kExclude}) {
    excluded.insert(excluded.end(), rows[l].begin(), rows[l].end());
  }
  std::sort(excluded.begin(), excluded.end());
  auto exclude = [&](int32_t row) {
    return std::binary_search(excluded.begin(), excluded.end(), row) ||
           (!tag.empty() && !HasTag(model.song(row), tag));
  };
  const Recommender& recommender = model.recommender();
  Ranked ranked = [&](size_t n) {
    return by_playlist ? recommender.Continue(scoring, rows[RecommendRequest::kPlaylist], n,
                                              exclude, repeats, seeds.size())
                       : recommender.Recommend(scoring, seeds, rows[RecommendRequest::kNegative], n,
                                               exclude);
  };
  const bool single =
      !by_playlist && seeds.size() == 1 && rows[RecommendRequest::kNegative].empty();
  const std::vector<Neighbor> neighbors =
      Rank(model, scoring, single ? seeds[0] : -1, ranked, static_cast<size_t>(k), 0,
           static_cast<size_t>(max_per_artist), exclude);
  SendJson(res, 200,
           ObjectWith({{"model_version", model.info().version},
                       {"scoring", ScoringName(scoring)},
                       {"k", k},
                       {"unknown", std::move(unknown)}},
                      {{"results", ResultsJson(model, neighbors)}}));
}

void SongService::ListModels(const httplib::Request&, httplib::Response& res) const {
  Result<std::vector<ModelInfo>> models = db_.Models();
  if (!models.ok()) throw std::runtime_error(models.status().message());
  json list = json::array();
  json active = nullptr;
  for (const ModelInfo& info : *models) {
    if (info.active) active = info.version;
    list.push_back(json(ModelInfoToJson(info)));
  }
  SendJson(res, 200, {{"active_version", active}, {"models", std::move(list)}});
}

void SongService::GetModel(const httplib::Request& req, httplib::Response& res) const {
  const std::string text = req.matches[1];
  int64_t version = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (error != std::errc() || end != text.data() + text.size() || version < 1) {
    return SendBadRequest(res, "model version must be a positive integer, got '" + text + "'");
  }
  Result<ModelInfo> info = db_.Model(version);
  if (!info.ok()) {
    if (info.status().code() == Status::Code::kNotFound) {
      return SendError(res, 404, "not_found", "no model version " + text);
    }
    throw std::runtime_error(info.status().message());
  }
  SendJson(res, 200, json(ModelInfoToJson(*info)));
}

}  // namespace songvec
