#ifndef SONGVEC_SERVER_RECOMMEND_REQUEST_H_
#define SONGVEC_SERVER_RECOMMEND_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/recommender.h"
#include "core/status.h"
#include "server/request_params.h"

namespace songvec {

// A POST /v1/recommend body, validated (server/openapi.json, RecommendRequest).
struct RecommendRequest {
  // The id lists, as strings (an integer id is read as its decimal digits); exactly one of
  // positive and playlist is non-empty, at most kMaxIdsPerBody ids in all, each a ValidSongId.
  enum List { kPositive, kNegative, kExclude, kPlaylist, kLists };
  std::vector<std::string> lists[kLists];
  std::optional<bool> repeats;  // unset: the model's choice; set only with a playlist
  int64_t k = kDefaultK;        // kKField
  int64_t max_per_artist = 0;   // kMaxPerArtistField, 0: no limit
  Scoring scoring = Scoring::kNext;
  std::string tag;  // ValidTag, "" when absent
};

// Parses `body` (JSON text, any bytes). InvalidArgument with the message a 400 answer carries,
// naming the field, when it is not a valid request. Thread-safe.
Result<RecommendRequest> ParseRecommendRequest(std::string_view body);

}  // namespace songvec

#endif  // SONGVEC_SERVER_RECOMMEND_REQUEST_H_
