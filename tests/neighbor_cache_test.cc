#include "server/neighbor_cache.h"

#include <gtest/gtest.h>

#include "core/random.h"

namespace songvec {
namespace {

TEST(NeighborCache, EveryEntryIsTheExactAnswerForThatSongAlone) {
  constexpr int kRows = 300, kDim = 8;
  Random rng(5);
  Matrix input(kRows, kDim), output(kRows, kDim);
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (int r = 0; r < kRows; ++r) {
    for (int d = 0; d < kDim; ++d) {
      input(r, d) = static_cast<float>(rng.UniformDouble() - 0.5);
      output(r, d) = static_cast<float>(rng.UniformDouble() - 0.5);
    }
    keys.push_back(std::to_string(r));
    counts.push_back(kRows - r);
  }
  const Recommender recommender(Embeddings{Vocabulary(keys, counts), input, output}, 0.75f);
  for (Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
    const NeighborCache cache(recommender, scoring);
    for (int32_t row : {0, 17, 299}) {
      const int32_t seed[] = {row};
      const std::vector<Neighbor> exact = recommender.Recommend(
          scoring, seed, {}, NeighborCache::kDepth, [row](int32_t r) { return r == row; });
      const std::vector<Neighbor>& cached = cache.Get(row);
      ASSERT_EQ(cached.size(), NeighborCache::kDepth);
      for (size_t i = 0; i < exact.size(); ++i) {
        EXPECT_EQ(cached[i].row, exact[i].row) << i;
        EXPECT_EQ(cached[i].score, exact[i].score) << i;
      }
      EXPECT_EQ(&cache.Get(row), &cached);  // computed once
    }
  }
}

}  // namespace
}  // namespace songvec
