#include "server/recommend_request.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

namespace songvec {

Result<RecommendRequest> ParseRecommendRequest(std::string_view text) {
  // ordered_json: an unknown field is named in the order the body has them.
  using json = nlohmann::ordered_json;
  auto bad = [](const std::string& message) { return Status::InvalidArgument(message); };
  json body;
  std::string parsing = "the body";  // the top-level field being parsed, to name in an error
  try {
    body = json::parse(text, [&parsing](int depth, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::key && depth == 1) parsing = parsed.get<std::string>();
      return true;
    });
  } catch (const json::parse_error& e) {
    return bad("the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    // Valid syntax the parser still refuses: a number beyond a double's range (1e400).
    return bad(parsing + " holds a number beyond the range of a double");
  }
  if (!body.is_object()) return bad("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    static const std::unordered_set<std::string> known = {"positive", "playlist", "negative",
                                                          "exclude",  "k",        "max_per_artist",
                                                          "scoring",  "tag",      "repeats"};
    if (known.count(key) == 0) {
      return bad("unknown field '" + key +
                 "' (expected positive, playlist, negative, exclude, k, max_per_artist, scoring, "
                 "tag, repeats)");
    }
  }
  RecommendRequest request;
  auto& lists = request.lists;
  const char* list_names[RecommendRequest::kLists] = {"positive", "negative", "exclude",
                                                      "playlist"};
  size_t total_ids = 0;
  for (int l = 0; l < RecommendRequest::kLists; ++l) {
    if (!body.contains(list_names[l])) continue;
    const json& list = body[list_names[l]];
    if (!list.is_array()) return bad(std::string(list_names[l]) + " must be an array of song ids");
    total_ids += list.size();
    if (total_ids > kMaxIdsPerBody) {
      return bad("at most 500 song ids in positive, playlist, negative and exclude together");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      std::string id;
      if (list[i].is_string()) {
        id = list[i].get<std::string>();
      } else if (list[i].is_number_integer()) {
        id = list[i].dump();
      }
      if (!ValidSongId(id)) {
        return bad(std::string(list_names[l]) + "[" + std::to_string(i) +
                   "] must be a song id: a string of 1 to 512 printable characters (or an "
                   "integer)");
      }
      lists[l].push_back(std::move(id));
    }
  }
  const bool no_positive = lists[RecommendRequest::kPositive].empty();
  if (no_positive == lists[RecommendRequest::kPlaylist].empty()) {
    return bad(no_positive ? "give positive or playlist: at least one song id"
                           : "give positive or playlist, not both");
  }
  if (body.contains("repeats")) {
    if (!body["repeats"].is_boolean()) return bad("repeats must be true or false");
    if (lists[RecommendRequest::kPlaylist].empty()) return bad("repeats goes with playlist");
    request.repeats = body["repeats"].get<bool>();
  }
  auto integer_field = [&](const IntegerField& spec, int64_t* value) {
    if (!body.contains(spec.name)) return Status();
    const json& field = body[spec.name];
    if (!field.is_number_integer() || !spec.Accepts(field.get<int64_t>())) return bad(spec.Rule());
    *value = field.get<int64_t>();
    return Status();
  };
  SONGVEC_RETURN_IF_ERROR(integer_field(kKField, &request.k));
  SONGVEC_RETURN_IF_ERROR(integer_field(kMaxPerArtistField, &request.max_per_artist));
  if (body.contains("scoring")) {
    Result<Scoring> parsed = body["scoring"].is_string()
                                 ? ParseScoring(body["scoring"].get<std::string>())
                                 : Result<Scoring>(Status::InvalidArgument(""));
    if (!parsed.ok()) return bad("scoring must be \"next\" or \"similar\"");
    request.scoring = *parsed;
  }
  if (body.contains("tag")) {
    const json& field = body["tag"];
    if (!field.is_string() || !ValidTag(field.get<std::string>())) {
      return bad("tag must be a string of 1 to 100 characters");
    }
    request.tag = field.get<std::string>();
  }
  return request;
}

}  // namespace songvec
