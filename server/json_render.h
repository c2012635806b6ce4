#ifndef SONGVEC_SERVER_JSON_RENDER_H_
#define SONGVEC_SERVER_JSON_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/index.h"
#include "core/recommender.h"
#include "core/status.h"
#include "server/model_snapshot.h"
#include "server/transport.h"
#include "storage/model_store.h"

namespace songvec {

// The API's answers as JSON text (server/openapi.json describes each), and the responses that
// carry them. Answers splice in the songs' stored JSON (ModelSnapshot::song_json) rather than
// rebuild it. Invalid UTF-8 in a catalog is replaced, never thrown on. Thread-safe.

// Sets `response` to `status` with the JSON text `body`.
void SendJson(httplib::Response& response, int status, std::string body);
// The error shape {"error": {"code", "message"}}.
void SendError(httplib::Response& response, int status, const std::string& code,
               const std::string& message);
void SendBadRequest(httplib::Response& response, const std::string& message);
// A failed `status` as its answer: InvalidArgument 400, NotFound 404; anything else throws (500).
void SendStatus(httplib::Response& response, const Status& status);
// 503: no model is loaded yet.
void SendNotReady(httplib::Response& response);

// /healthz and /readyz: {"status", "model_version", "songs"}; `model` may be null (healthz).
std::string HealthJson(const char* status, const ModelSnapshot* model);

// A song of `model` with "in_model" (whether it is a model row).
std::string SongWithPresenceJson(const ModelSnapshot& model, int32_t index);

// GET /v1/songs?q=: the hits, each described by `model` where it knows the song (may be null).
std::string SearchJson(const std::string& query, int64_t limit, int64_t offset,
                       const std::vector<Song>& hits, const ModelSnapshot* model);

// GET /v1/songs/{id}/similar and /next: the query song `index` and its `neighbors`.
std::string NeighborsJson(const ModelSnapshot& model, Scoring scoring, int64_t k, int64_t offset,
                          int32_t index, const std::vector<Neighbor>& neighbors);

// POST /v1/recommend: the `unknown` ids and the `neighbors`.
std::string RecommendJson(const ModelSnapshot& model, Scoring scoring, int64_t k,
                          const std::vector<std::string>& unknown,
                          const std::vector<Neighbor>& neighbors);

// GET /v1/models/{version}, and GET /v1/models.
std::string ModelJson(const ModelInfo& info);
std::string ModelsJson(const std::vector<ModelInfo>& models);

}  // namespace songvec

#endif  // SONGVEC_SERVER_JSON_RENDER_H_
