#ifndef SONGVEC_CORE_QUERY_H_
#define SONGVEC_CORE_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/index.h"
#include "core/neighbor_cache.h"
#include "core/recommender.h"

namespace songvec {

// What a client asks of a model, in rows: "songs like these (or what comes after this playlist),
// paged, at most so many per artist, only with this tag". GET /v1/songs/{id}/similar and /next
// are one positive seed; POST /v1/recommend any. The page and the API mean the same by it.
struct Query {
  Scoring scoring = Scoring::kNext;
  // Unordered seeds (Recommender::Recommend): the mean of `positive` minus that of `negative`.
  // Neither ever comes back. Default: none.
  std::vector<int32_t> positive;
  std::vector<int32_t> negative;
  // Where `positive` is empty, an ordered playlist (Recommender::Continue), most recent last:
  // its last `context` rows are the seeds, and its songs come back only as `repeats` says (unset:
  // the model's choice). Default: none.
  std::vector<int32_t> playlist;
  size_t context = kDefaultContext;
  std::optional<bool> repeats;
  // Rows never answered. Default: none.
  std::vector<int32_t> exclude;
  // The answer is rows [offset, offset + k) of the ranking that passes the filters below.
  size_t k = 10;      // Default: 10
  size_t offset = 0;  // Default: 0
  // At most this many rows per artist (songs without an artist are never capped); 0: no cap.
  // Default: 0
  size_t max_per_artist = 0;
  // No songs by the positive seeds' artists. Default: false
  bool exclude_same_artist = false;
  // Only songs with this tag; "": any. Default: "".
  std::string tag;
};

// The answer to `query` (at most k rows, best first) from `recommender`, whose rows are described
// by `songs` (at least recommender.size() of them). A single positive seed without negatives is
// read from `cache` (of query.scoring; may be null) when its depth holds enough rows that pass the
// filters; otherwise the ranking is computed, asking for four times as many rows each time until
// enough pass. Needs a seed (a positive row, or a playlist with one among its last `context`), and
// has_next() for kNext. Thread-safe.
std::vector<Neighbor> Answer(const Recommender& recommender, std::span<const Song> songs,
                             const NeighborCache* cache, const Query& query);

// How catalog search ranks a song that matches: its relevance (bm25, negated: higher is better)
// plus kSearchPlaysWeight * log(1 + plays), `plays` its count in the model's training playlists
// (0 for a song the model does not know). bm25 alone ranks a rare song whose short title the
// words fill above the hit everyone means; the log lets popularity decide between matches of
// about the same relevance without lifting a poor match over a good one (yes_complete: a
// one-word match scores 4 to 12, and a thousand plays add 6.9).
constexpr double kSearchPlaysWeight = 1.0;
double SearchScore(double relevance, int64_t plays);

}  // namespace songvec

#endif  // SONGVEC_CORE_QUERY_H_
