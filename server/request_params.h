#ifndef SONGVEC_SERVER_REQUEST_PARAMS_H_
#define SONGVEC_SERVER_REQUEST_PARAMS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace httplib {
struct Request;
}

namespace songvec {

// The fields a request may carry and their rules, one validator per field, shared by the GET
// parameters (below) and the POST /v1/recommend body (recommend_request.h); then the GET routes'
// parameters, parsed. Every error is InvalidArgument with the message a 400 answer carries.

constexpr int64_t kMaxK = 1000;
constexpr int64_t kDefaultK = 10;
constexpr size_t kMaxSongIdBytes = 512;  // as the plain playlist format accepts
constexpr size_t kMaxTagBytes = 100;
constexpr size_t kMaxIdsPerBody = 500;
constexpr size_t kMaxQueryBytes = 200;

// An integer field: its name, range and value when absent.
struct IntegerField {
  const char* name;
  int64_t min;
  int64_t max;
  int64_t fallback;

  bool Accepts(int64_t value) const { return value >= min && value <= max; }
  // "k must be an integer from 1 to 1000".
  std::string Rule() const;
};
inline constexpr IntegerField kKField{"k", 1, kMaxK, kDefaultK};
inline constexpr IntegerField kOffsetField{"offset", 0, 10000, 0};
inline constexpr IntegerField kMaxPerArtistField{"max_per_artist", 1, kMaxK, 0};  // 0: no cap
inline constexpr IntegerField kLimitField{"limit", 1, 100, 20};

// Song ids are 1 to kMaxSongIdBytes printable, non-space characters.
bool ValidSongId(const std::string& id);
// Tags are 1 to kMaxTagBytes bytes.
bool ValidTag(const std::string& tag);

// GET /v1/songs/{id}/similar and /next.
struct NeighborsParams {
  std::string id;
  int64_t k = kDefaultK;
  int64_t offset = 0;
  int64_t max_per_artist = 0;
  bool exclude_same_artist = false;
  std::string tag;  // "" when absent
};
Result<NeighborsParams> ParseNeighborsParams(const httplib::Request& req);

// GET /v1/songs?q=.
struct SearchParams {
  std::string query;
  int64_t limit = 20;
  int64_t offset = 0;
};
Result<SearchParams> ParseSearchParams(const httplib::Request& req);

// The {id} of a /v1/songs/{id} route.
Result<std::string> ParseSongId(const httplib::Request& req);

}  // namespace songvec

#endif  // SONGVEC_SERVER_REQUEST_PARAMS_H_
