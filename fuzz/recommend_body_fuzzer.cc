// Fuzzes the parsing and validation of a POST /v1/recommend body: a request that passes keeps
// every limit the handler relies on, and any other body is a 400 with a message.
#include "fuzz/fuzz_checks.h"
#include "server/recommend_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  using List = RecommendRequest::List;
  Result<RecommendRequest> request = ParseRecommendRequest(fuzz::Bytes(data, size));
  if (!request.ok()) {
    fuzz::Require(request.status().code() == Status::Code::kInvalidArgument &&
                      !request.status().message().empty(),
                  "a bad body is InvalidArgument with a message");
    return 0;
  }
  const auto& lists = request->lists;
  fuzz::Require(lists[List::kPositive].empty() != lists[List::kPlaylist].empty(),
                "positive or playlist, not both");
  size_t ids = 0;
  for (const auto& list : lists) {
    ids += list.size();
    for (const std::string& id : list) fuzz::Require(ValidSongId(id), "valid song ids");
  }
  fuzz::Require(ids <= kMaxIdsPerBody, "at most kMaxIdsPerBody ids");
  fuzz::Require(request->k >= 1 && request->k <= kMaxK, "k in 1..kMaxK");
  fuzz::Require(request->max_per_artist >= 0 && request->max_per_artist <= kMaxK,
                "max_per_artist in 0..kMaxK");
  fuzz::Require(request->tag.size() <= kMaxTagBytes, "a tag of at most kMaxTagBytes");
  fuzz::Require(!request->repeats || !lists[List::kPlaylist].empty(), "repeats with a playlist");
  return 0;
}
