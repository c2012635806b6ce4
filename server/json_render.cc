#include "server/json_render.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "storage/model_json.h"

namespace songvec {

namespace {

// ordered_json keeps keys in the order written: the query song before its results.
using json = nlohmann::ordered_json;

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on (a catalog is user data).
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Appends the JSON object `object` (text) to `out` with `fields` (text: ,"name":value...) added
// before its closing brace.
void AppendWithFields(std::string& out, std::string_view object, std::string_view fields) {
  out.append(object.substr(0, object.size() - 1)).append(fields).push_back('}');
}

// `head` (a non-empty object) with the fields `tail` appended, their values already JSON text.
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

const char* InModel(const ModelSnapshot& model, int32_t index) {
  return static_cast<size_t>(index) < model.model_songs() ? ",\"in_model\":true"
                                                          : ",\"in_model\":false";
}

}  // namespace

void SendJson(httplib::Response& response, int status, std::string body) {
  response.status = status;
  // set_content() without its copy of the body.
  response.body = std::move(body);
  response.headers.erase("Content-Type");
  response.set_header("Content-Type", "application/json");
}

void SendError(httplib::Response& response, int status, const std::string& code,
               const std::string& message) {
  SendJson(response, status, Dump({{"error", {{"code", code}, {"message", message}}}}));
}

void SendBadRequest(httplib::Response& response, const std::string& message) {
  SendError(response, 400, "bad_request", message);
}

void SendStatus(httplib::Response& response, const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
      return SendBadRequest(response, status.message());
    case Status::Code::kNotFound:
      return SendError(response, 404, "not_found", status.message());
    default:
      throw std::runtime_error(status.message());
  }
}

void SendNotReady(httplib::Response& response) {
  SendError(response, 503, "not_ready",
            "no model is loaded yet: train one (songvec-train train), the server picks it up");
}

std::string HealthJson(const char* status, const ModelSnapshot* model) {
  return Dump({{"status", status},
               {"model_version", model ? json(model->info().version) : json(nullptr)},
               {"songs", model ? model->model_songs() : 0}});
}

std::string SongWithPresenceJson(const ModelSnapshot& model, int32_t index) {
  std::string body;
  AppendWithFields(body, model.song_json(index), InModel(model, index));
  return body;
}

std::string SearchJson(const std::string& query, int64_t limit, int64_t offset,
                       const std::vector<Song>& hits, const ModelSnapshot* model) {
  std::string results = "[";
  for (const Song& hit : hits) {
    if (results.size() > 1) results.push_back(',');
    // Tags come from the loaded snapshot; a song added since it was loaded has none yet.
    const int32_t index = model ? model->Find(hit.id) : -1;
    if (index >= 0) {
      AppendWithFields(results, model->song_json(index), InModel(*model, index));
    } else {
      AppendWithFields(results, SongJson(hit), ",\"in_model\":false");
    }
  }
  results.push_back(']');
  return ObjectWith({{"query", query}, {"limit", limit}, {"offset", offset}},
                    {{"results", results}});
}

std::string NeighborsJson(const ModelSnapshot& model, Scoring scoring, int64_t k, int64_t offset,
                          int32_t index, const std::vector<Neighbor>& neighbors) {
  return ObjectWith({{"model_version", model.info().version},
                     {"scoring", ScoringName(scoring)},
                     {"k", k},
                     {"offset", offset}},
                    {{"song", model.song_json(index)}, {"results", ResultsJson(model, neighbors)}});
}

std::string RecommendJson(const ModelSnapshot& model, Scoring scoring, int64_t k,
                          const std::vector<std::string>& unknown,
                          const std::vector<Neighbor>& neighbors) {
  return ObjectWith({{"model_version", model.info().version},
                     {"scoring", ScoringName(scoring)},
                     {"k", k},
                     {"unknown", unknown}},
                    {{"results", ResultsJson(model, neighbors)}});
}

std::string ModelJson(const ModelInfo& info) { return Dump(ModelInfoToJson(info)); }

std::string ModelsJson(const std::vector<ModelInfo>& models) {
  json list = json::array();
  json active = nullptr;
  for (const ModelInfo& info : models) {
    if (info.active) active = info.version;
    list.push_back(ModelInfoToJson(info));
  }
  return Dump({{"active_version", active}, {"models", std::move(list)}});
}

}  // namespace songvec
