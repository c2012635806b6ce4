#include "core/neighbor_cache.h"

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
  const Recommender recommender(Embeddings{Vocabulary(keys, counts), input, output},
                                {.popularity_weight = 0.75f});
  for (Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
    const NeighborCache cache(recommender, scoring);
    for (int32_t row : {0, 17, 299}) {
      const int32_t seed[] = {row};
      const std::vector<Neighbor> exact = recommender.Recommend(
          scoring, seed, {}, NeighborCache::kDepth, [row](int32_t r) { return r == row; });
      std::vector<Neighbor> scratch;
      const std::vector<Neighbor>& cached = cache.Get(row, &scratch);
      ASSERT_EQ(cached.size(), NeighborCache::kDepth);
      for (size_t i = 0; i < exact.size(); ++i) {
        EXPECT_EQ(cached[i].row, exact[i].row) << i;
        EXPECT_EQ(cached[i].score, exact[i].score) << i;
      }
      EXPECT_EQ(&cache.Get(row, &scratch), &cached);  // computed once
      EXPECT_TRUE(scratch.empty());
    }
  }
  // A full cache answers the same and keeps nothing more.
  const NeighborCache small(recommender, Scoring::kNext, 2);
  std::vector<Neighbor> scratch;
  const std::vector<Neighbor>* first = &small.Get(0, &scratch);
  EXPECT_EQ(&small.Get(1, &scratch), &small.Get(1, &scratch));
  const std::vector<Neighbor>& third = small.Get(2, &scratch);
  EXPECT_EQ(&third, &scratch);
  const int32_t seed[] = {2};
  const std::vector<Neighbor> exact = recommender.Recommend(
      Scoring::kNext, seed, {}, NeighborCache::kDepth, [](int32_t r) { return r == 2; });
  ASSERT_EQ(third.size(), exact.size());
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(third[i].row, exact[i].row);
  EXPECT_EQ(&small.Get(0, &scratch), first);
}

}  // namespace
}  // namespace songvec
