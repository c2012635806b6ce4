#include "core/query.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace songvec {

namespace {

// Keeps the rows of `ranked` (best first) that `exclude` lets through, at most `max_per_artist`
// per artist (0: no limit), until there are `wanted`.
std::vector<Neighbor> Filter(std::span<const Song> songs, const std::vector<Neighbor>& ranked,
                             size_t wanted, size_t max_per_artist, const RowFilter& exclude) {
  std::vector<Neighbor> kept;
  std::unordered_map<std::string_view, size_t> per_artist;
  for (const Neighbor& n : ranked) {
    if (kept.size() == wanted) break;
    if (exclude && exclude(n.row)) continue;
    const std::string& artist = songs[n.row].artist;
    // Untitled songs (not in the catalog) have no artist to limit.
    if (max_per_artist > 0 && !artist.empty() && ++per_artist[artist] > max_per_artist) continue;
    kept.push_back(n);
  }
  return kept;
}

}  // namespace

std::vector<Neighbor> Answer(const Recommender& recommender, std::span<const Song> songs,
                             const NeighborCache* cache, const Query& query) {
  // At most a few hundred rows: a sorted vector is the quickest to ask. A playlist's own songs
  // are left to Recommender::Continue (repeats).
  std::vector<int32_t> excluded = query.exclude;
  excluded.insert(excluded.end(), query.positive.begin(), query.positive.end());
  excluded.insert(excluded.end(), query.negative.begin(), query.negative.end());
  std::sort(excluded.begin(), excluded.end());
  std::unordered_set<std::string_view> seed_artists;
  if (query.exclude_same_artist) {
    for (int32_t row : query.positive) {
      if (!songs[row].artist.empty()) seed_artists.insert(songs[row].artist);
    }
  }
  // The filters run only on rows that would enter the answer.
  const RowFilter exclude = [&](int32_t row) {
    if (std::binary_search(excluded.begin(), excluded.end(), row)) return true;
    const Song& song = songs[row];
    if (!seed_artists.empty() && seed_artists.count(song.artist) > 0) return true;
    return !query.tag.empty() &&
           std::find(song.tags.begin(), song.tags.end(), query.tag) == song.tags.end();
  };

  const size_t wanted = query.offset + query.k;
  std::vector<Neighbor> kept;
  bool answered = false;
  if (cache != nullptr && query.positive.size() == 1 && query.negative.empty()) {
    std::vector<Neighbor> scratch;
    const std::vector<Neighbor>& cached = cache->Get(query.positive[0], &scratch);
    kept = Filter(songs, cached, wanted, query.max_per_artist, exclude);
    // The cache holds every other row when it is shorter than its depth.
    answered = kept.size() == wanted || cached.size() < NeighborCache::kDepth;
  }
  for (size_t asked = wanted; !answered; asked = std::min(asked * 4, recommender.size())) {
    const std::vector<Neighbor> rows =
        query.positive.empty()
            ? recommender.Continue(query.scoring, query.playlist, asked, exclude, query.repeats,
                                   query.context)
            : recommender.Recommend(query.scoring, query.positive, query.negative, asked, exclude);
    kept = Filter(songs, rows, wanted, query.max_per_artist, nullptr);
    answered = kept.size() == wanted || rows.size() < asked || asked >= recommender.size();
  }
  if (kept.size() <= query.offset) return {};
  kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(query.offset));
  return kept;
}

double SearchScore(double relevance, int64_t plays) {
  return relevance +
         kSearchPlaysWeight * std::log1p(static_cast<double>(std::max<int64_t>(plays, 0)));
}

}  // namespace songvec
