#include "server/song_service.h"

#include <algorithm>
#include <charconv>

#include "core/query.h"
#include "server/json_render.h"
#include "server/middleware.h"
#include "server/recommend_request.h"
#include "server/request_params.h"
#include "server/web_app.h"

namespace songvec {

extern const char kOpenApiJson[];  // server/openapi.json, embedded at build time

namespace {

// The 404 of a next-song query to a model without output vectors; `hint` says what to ask instead.
Status CannotScoreNext(const ModelSnapshot& model, const std::string& hint) {
  return Status::NotFound("model " + std::to_string(model.info().version) +
                          " has no output vectors (it was imported), so it cannot score next; " +
                          hint);
}

// The model row of song `id`: NotFound if the model has no vector for it.
Result<int32_t> ModelRow(const ModelSnapshot& model, const std::string& id) {
  const int32_t index = model.Find(id);
  if (index < 0) return Status::NotFound("unknown song '" + id + "'");
  if (static_cast<size_t>(index) >= model.model_songs()) {
    return Status::NotFound("song '" + id + "' is in the catalog but model " +
                            std::to_string(model.info().version) +
                            " has no vector for it (it was not in the training playlists)");
  }
  return index;
}

// The query GET /v1/songs/{id}/similar and /next ask: one seed, `row`.
Query NeighborsQuery(const NeighborsParams& params, Scoring scoring, int32_t row) {
  Query query;
  query.scoring = scoring;
  query.positive = {row};
  query.k = static_cast<size_t>(params.k);
  query.offset = static_cast<size_t>(params.offset);
  query.max_per_artist = static_cast<size_t>(params.max_per_artist);
  query.exclude_same_artist = params.exclude_same_artist;
  query.tag = params.tag;
  return query;
}

// The query a recommend body asks of `model`. Ids the model does not know are listed in
// `unknown`, not fatal, unless no seed is left (NotFound naming them). A playlist's seeds are its
// known songs among its last kDefaultContext entries, as `eval`'s continuation gives them.
Result<Query> RecommendQuery(const ModelSnapshot& model, const RecommendRequest& request,
                             std::vector<std::string>* unknown) {
  const auto& lists = request.lists;
  const std::vector<std::string>& playlist = lists[RecommendRequest::kPlaylist];
  const size_t first_seed = playlist.size() - std::min(playlist.size(), kDefaultContext);
  Query query;
  query.scoring = request.scoring;
  query.repeats = request.repeats;
  query.k = static_cast<size_t>(request.k);
  query.max_per_artist = static_cast<size_t>(request.max_per_artist);
  query.tag = request.tag;
  query.context = 0;
  std::vector<int32_t>* rows[RecommendRequest::kLists] = {&query.positive, &query.negative,
                                                          &query.exclude, &query.playlist};
  for (int l = 0; l < RecommendRequest::kLists; ++l) {
    for (size_t i = 0; i < lists[l].size(); ++i) {
      const int32_t index = model.Find(lists[l][i]);
      if (index < 0 || static_cast<size_t>(index) >= model.model_songs()) {
        unknown->push_back(lists[l][i]);
        continue;
      }
      rows[l]->push_back(index);
      if (l == RecommendRequest::kPlaylist && i >= first_seed) ++query.context;
    }
  }
  const bool by_playlist = lists[RecommendRequest::kPositive].empty();
  if (by_playlist ? query.context == 0 : query.positive.empty()) {
    const std::vector<std::string>& asked =
        by_playlist ? playlist : lists[RecommendRequest::kPositive];
    std::string ids;
    for (size_t i = by_playlist ? first_seed : 0; i < asked.size(); ++i) {
      ids += (ids.empty() ? "" : ", ") + asked[i];
    }
    return Status::NotFound(
        std::string("none of the ") + (by_playlist ? "playlist's last songs" : "positive songs") +
        " is known to model " + std::to_string(model.info().version) + ": " + ids);
  }
  return query;
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
      SetRouteLabel(route.path);
      (this->*route.handler)(req, res);
    };
    if (std::string(route.method) == "GET") {
      server.Get(route.pattern, handle);
    } else {
      server.Post(route.pattern, handle);
    }
    // Other methods are told which one the route takes, not "not found".
    auto not_allowed = [&route](const httplib::Request& req, httplib::Response& res) {
      SetRouteLabel(route.path);
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

  if (config.web) InstallWebApp(server);
  InstallMiddleware(server, config.cors_origins, config.access_log, metrics_);
}

void SongService::Health(const httplib::Request&, httplib::Response& res) const {
  const auto model = models_.Current();
  SendJson(res, 200, HealthJson("ok", model.get()));
}

void SongService::Ready(const httplib::Request&, httplib::Response& res) const {
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  SendJson(res, 200, HealthJson("ready", model.get()));
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
  const Result<SearchParams> params = ParseSearchParams(req);
  if (!params.ok()) return SendStatus(res, params.status());
  const auto model = models_.Current();
  auto score = [&model](std::string_view id, double relevance) {
    return SearchScore(relevance, model ? model->plays(model->Find(id)) : 0);
  };
  Result<std::vector<Song>> hits = db_.Search(params->query, params->limit, params->offset, score);
  if (!hits.ok()) {
    if (hits.status().code() == Status::Code::kInvalidArgument) {
      return SendBadRequest(res, "q: " + hits.status().message());
    }
    throw std::runtime_error(hits.status().message());
  }
  SendJson(res, 200, SearchJson(params->query, params->limit, params->offset, *hits, model.get()));
}

void SongService::GetSong(const httplib::Request& req, httplib::Response& res) const {
  const Result<std::string> id = ParseSongId(req);
  if (!id.ok()) return SendStatus(res, id.status());
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  const int32_t index = model->Find(*id);
  if (index < 0) return SendError(res, 404, "not_found", "unknown song '" + *id + "'");
  SendJson(res, 200, SongWithPresenceJson(*model, index));
}

void SongService::Similar(const httplib::Request& req, httplib::Response& res) const {
  Neighbors(req, res, Scoring::kSimilar);
}

void SongService::Next(const httplib::Request& req, httplib::Response& res) const {
  Neighbors(req, res, Scoring::kNext);
}

void SongService::Neighbors(const httplib::Request& req, httplib::Response& res,
                            Scoring scoring) const {
  const Result<NeighborsParams> params = ParseNeighborsParams(req);
  if (!params.ok()) return SendStatus(res, params.status());
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  const Result<int32_t> row = ModelRow(*model, params->id);
  if (!row.ok()) return SendStatus(res, row.status());
  if (scoring == Scoring::kNext && !model->recommender().has_next()) {
    return SendStatus(res, CannotScoreNext(*model, "use /similar"));
  }
  const std::vector<Neighbor> neighbors =
      Answer(model->recommender(), model->songs(), model->neighbor_cache(scoring),
             NeighborsQuery(*params, scoring, *row));
  SendJson(res, 200, NeighborsJson(*model, scoring, params->k, params->offset, *row, neighbors));
}

void SongService::Recommend(const httplib::Request& req, httplib::Response& res) const {
  const Result<RecommendRequest> request = ParseRecommendRequest(req.body);
  if (!request.ok()) return SendStatus(res, request.status());
  const auto model = models_.Current();
  if (!model) return SendNotReady(res);
  if (request->scoring == Scoring::kNext && !model->recommender().has_next()) {
    return SendStatus(res, CannotScoreNext(*model, "ask for \"scoring\": \"similar\""));
  }
  std::vector<std::string> unknown;
  const Result<Query> query = RecommendQuery(*model, *request, &unknown);
  if (!query.ok()) return SendStatus(res, query.status());
  const std::vector<Neighbor> neighbors =
      Answer(model->recommender(), model->songs(), model->neighbor_cache(query->scoring), *query);
  SendJson(res, 200, RecommendJson(*model, query->scoring, request->k, unknown, neighbors));
}

void SongService::ListModels(const httplib::Request&, httplib::Response& res) const {
  Result<std::vector<ModelInfo>> models = db_.Models();
  if (!models.ok()) throw std::runtime_error(models.status().message());
  SendJson(res, 200, ModelsJson(*models));
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
  SendJson(res, 200, ModelJson(*info));
}

}  // namespace songvec
