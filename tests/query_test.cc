#include "core/query.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/random.h"

namespace songvec {
namespace {

// A thousand songs by 50 artists, each artist's songs near one another, so that a song's
// neighbours are mostly its artist's and a per-artist cap reaches far past the neighbour cache's
// depth; the last 10 songs have no artist (never capped). One song in 20 has the tag "rare",
// every other one "even".
constexpr int kSongs = 1000, kArtists = 50, kDim = 8;

std::vector<Song> SyntheticSongs() {
  std::vector<Song> songs;
  for (int r = 0; r < kSongs; ++r) {
    Song song{std::to_string(r), "Song " + std::to_string(r),
              r >= kSongs - 10 ? "" : "Artist " + std::to_string(r % kArtists)};
    if (r % 20 == 3) song.tags.push_back("rare");
    if (r % 2 == 0) song.tags.push_back("even");
    songs.push_back(song);
  }
  return songs;
}

Embeddings SyntheticEmbeddings() {
  Random rng(11);
  auto uniform = [&rng] { return static_cast<float>(rng.UniformDouble() - 0.5); };
  Matrix centres(kArtists, kDim), input(kSongs, kDim), output(kSongs, kDim);
  for (int a = 0; a < kArtists; ++a) {
    for (int d = 0; d < kDim; ++d) centres(a, d) = uniform();
  }
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (int r = 0; r < kSongs; ++r) {
    for (int d = 0; d < kDim; ++d) {
      input(r, d) = centres(r % kArtists, d) + 0.3f * uniform();
      output(r, d) = centres(r % kArtists, d) + 0.3f * uniform();
    }
    keys.push_back(std::to_string(r));
    counts.push_back(kSongs - r);
  }
  return {Vocabulary(keys, counts), input, output};
}

// Every row as the flat index ranks it for the query's seeds, nothing filtered.
std::vector<Neighbor> FlatRanking(const Recommender& flat, const Query& query) {
  return query.positive.empty()
             ? flat.Continue(query.scoring, query.playlist, flat.size(), nullptr, query.repeats,
                             query.context)
             : flat.Recommend(query.scoring, query.positive, query.negative, flat.size(), nullptr);
}

// The flat oracle: `all` (FlatRanking of the query's seeds) with each filter applied in turn,
// plainly.
std::vector<Neighbor> Oracle(const std::vector<Neighbor>& all, const std::vector<Song>& songs,
                             const Query& query) {
  std::set<int32_t> excluded(query.exclude.begin(), query.exclude.end());
  excluded.insert(query.positive.begin(), query.positive.end());
  excluded.insert(query.negative.begin(), query.negative.end());
  std::set<std::string> seed_artists;
  for (int32_t row : query.positive) {
    if (query.exclude_same_artist && !songs[row].artist.empty()) {
      seed_artists.insert(songs[row].artist);
    }
  }
  std::map<std::string, size_t> per_artist;
  std::vector<Neighbor> passed;
  for (const Neighbor& n : all) {
    const Song& song = songs[n.row];
    if (excluded.count(n.row) > 0 || seed_artists.count(song.artist) > 0) continue;
    if (!query.tag.empty() &&
        std::find(song.tags.begin(), song.tags.end(), query.tag) == song.tags.end()) {
      continue;
    }
    if (query.max_per_artist > 0 && !song.artist.empty() &&
        ++per_artist[song.artist] > query.max_per_artist) {
      continue;
    }
    passed.push_back(n);
  }
  const size_t begin = std::min(query.offset, passed.size());
  const size_t end = std::min(query.offset + query.k, passed.size());
  return {passed.begin() + static_cast<std::ptrdiff_t>(begin),
          passed.begin() + static_cast<std::ptrdiff_t>(end)};
}

// Answer, from a pruned index and the neighbour caches, against the oracle for every combination
// of seeds (one song: the cache; several and a negative; a playlist), exclusions, per-artist cap
// (1 needs far more rows than the cache holds: the widening loop), same-artist exclusion, tag
// (a rare one needs nearly every row) and page.
TEST(Query, AnswerIsTheFlatOracleForEveryFilterCombination) {
  const std::vector<Song> songs = SyntheticSongs();
  const Embeddings embeddings = SyntheticEmbeddings();
  const NextScoring next{.popularity_weight = 0.5f};
  const Recommender pruned(embeddings, next, nullptr, IndexPolicy::kPruned);
  const Recommender flat(embeddings, next, nullptr, IndexPolicy::kFlat);
  const NeighborCache similar_cache(pruned, Scoring::kSimilar), next_cache(pruned, Scoring::kNext);

  std::vector<Query> seeds(3);
  seeds[0].positive = {7};
  seeds[1].positive = {7, 120, 433};
  seeds[1].negative = {58};
  seeds[2].playlist = {5, 7, 57, 300, 999};
  seeds[2].context = 4;
  int combinations = 0;
  for (const Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
    for (Query seeded : seeds) {
      seeded.scoring = scoring;
      // Computed once per scoring and seeds: under qemu (Aarch64.CoreTests) every ranking counts.
      const std::vector<Neighbor> all = FlatRanking(flat, seeded);
      for (const bool excluding : {false, true}) {
        for (const size_t cap : {0, 1, 3}) {
          for (const bool same_artist : {false, true}) {
            for (const char* tag : {"", "even", "rare"}) {
              for (const size_t offset : {0, 25}) {
                Query query = seeded;
                if (excluding) query.exclude = {17, 107, 8, 9};
                query.max_per_artist = cap;
                query.exclude_same_artist = same_artist;
                query.tag = tag;
                query.offset = offset;
                query.k = 10;
                const NeighborCache* cache =
                    scoring == Scoring::kSimilar ? &similar_cache : &next_cache;
                const std::vector<Neighbor> answer = Answer(pruned, songs, cache, query);
                const std::vector<Neighbor> expected = Oracle(all, songs, query);
                const std::string what = std::string(ScoringName(scoring)) + " positive seeds " +
                                         std::to_string(seeded.positive.size()) + " exclude " +
                                         std::to_string(excluding) + " cap " + std::to_string(cap) +
                                         " same artist " + std::to_string(same_artist) + " tag " +
                                         tag + " offset " + std::to_string(offset);
                ASSERT_EQ(answer.size(), expected.size()) << what;
                for (size_t i = 0; i < answer.size(); ++i) {
                  EXPECT_EQ(answer[i].row, expected[i].row) << what << " #" << i;
                  EXPECT_EQ(answer[i].score, expected[i].score) << what << " #" << i;
                }
                ++combinations;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(combinations, 2 * 3 * 2 * 3 * 2 * 3 * 2);
}

// A page past every row that passes is empty; a cap of one per artist over 50 artists (and 10
// songs without one) answers at most 60 songs, each artist once.
TEST(Query, PagesEndWhereTheRowsThatPassEnd) {
  const std::vector<Song> songs = SyntheticSongs();
  const Recommender recommender(SyntheticEmbeddings(), {}, nullptr, IndexPolicy::kPruned);
  Query query;
  query.scoring = Scoring::kSimilar;
  query.positive = {0};
  query.max_per_artist = 1;
  query.k = 100;
  const std::vector<Neighbor> answer = Answer(recommender, songs, nullptr, query);
  EXPECT_EQ(answer.size(), kArtists + 10u);
  std::set<std::string> artists;
  for (const Neighbor& n : answer) {
    if (!songs[n.row].artist.empty()) {
      EXPECT_TRUE(artists.insert(songs[n.row].artist).second);
    }
  }
  query.offset = answer.size();
  EXPECT_TRUE(Answer(recommender, songs, nullptr, query).empty());
}

}  // namespace
}  // namespace songvec
