#include "core/evaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace songvec {
namespace {

Corpus MakeCorpus(const std::vector<std::vector<std::string>>& playlists) {
  Corpus corpus;
  std::map<std::string, int32_t> token;
  for (const auto& playlist : playlists) {
    std::vector<int32_t> tokens;
    for (const std::string& key : playlist) {
      auto [it, inserted] = token.try_emplace(key, static_cast<int32_t>(corpus.keys.size()));
      if (inserted) corpus.keys.push_back(key);
      tokens.push_back(it->second);
    }
    corpus.AddPlaylist(tokens);
  }
  return corpus;
}

class EvaluationTest : public ::testing::Test {
 protected:
  // Five songs in 2-D whose mean is 0, so that similar's centring (SimilarRows) leaves them as
  // they are. From "0" = (1, 0) the cosine order is 1, 4, then 2 and 3... see each test.
  EvaluationTest() : vocabulary_({"0", "1", "2", "3", "4"}, {0, 0, 0, 0, 0}), vectors_(5, 2) {
    vectors_ << 1, 0,  //
        0.9f, 0.1f,    //
        0, 1,          //
        -2.4f, -1.6f,  //
        0.5f, 0.5f;
  }
  Vocabulary vocabulary_;
  Matrix vectors_;
};

TEST_F(EvaluationTest, CollectsConsecutiveDistinctPairsAndCoverage) {
  const Corpus test = MakeCorpus({{"0", "4", "4", "3"}, {"2", "x"}});
  const NextSongPairs pairs = CollectPairs(test, vocabulary_);
  // (0,4) and (4,3) scored; (4,4) is not a pair; (2,x) counts but is out of vocabulary.
  EXPECT_EQ(pairs.total, 3u);
  EXPECT_EQ(pairs.pairs, (std::vector<std::pair<int32_t, int32_t>>{{0, 4}, {4, 3}}));
  EXPECT_DOUBLE_EQ(pairs.coverage(), 2.0 / 3.0);
}

// A sample keeps the asked number of pairs, the same ones for a seed, in their order; coverage
// still counts every pair; 0 or a number above the pairs keeps them all.
TEST(SamplePairs, IsReproducibleOrderedAndSaidSo) {
  NextSongPairs all;
  for (int32_t i = 0; i < 1000; ++i) all.pairs.emplace_back(i, i + 1);
  all.total = all.in_vocabulary = 1000;
  NextSongPairs sample = all, again = all, other = all;
  SamplePairs(100, 1, &sample);
  SamplePairs(100, 1, &again);
  SamplePairs(100, 2, &other);
  ASSERT_EQ(sample.pairs.size(), 100u);
  EXPECT_EQ(sample.pairs, again.pairs);
  EXPECT_NE(sample.pairs, other.pairs);
  EXPECT_TRUE(std::is_sorted(sample.pairs.begin(), sample.pairs.end()));
  EXPECT_EQ(std::adjacent_find(sample.pairs.begin(), sample.pairs.end()), sample.pairs.end());
  EXPECT_TRUE(sample.sampled());
  EXPECT_DOUBLE_EQ(sample.coverage(), 1.0);
  // Drawn from the whole range, not its start.
  EXPECT_GT(sample.pairs.back().first, 800);
  for (size_t keep : {size_t{0}, size_t{1000}, size_t{5000}}) {
    NextSongPairs whole = all;
    SamplePairs(keep, 1, &whole);
    EXPECT_EQ(whole.pairs, all.pairs);
    EXPECT_FALSE(whole.sampled());
  }
  EXPECT_EQ(DefaultMaxPairs(kSampledEvaluationSongs), 0u);
  EXPECT_EQ(DefaultMaxPairs(kSampledEvaluationSongs + 1), kDefaultSampledPairs);
}

TEST_F(EvaluationTest, CosineMetricsFollowTheDefinitions) {
  // From 0: 1 (0.994), 4 (0.707), 2 (0), 3 (-0.832): 4 has rank 2, 3 has rank 4.
  // From 2: 4 (0.707), 1 (0.110), 0 (0), 3 (-0.555): 0 has rank 3.
  const Corpus test = MakeCorpus({{"0", "4"}, {"0", "3"}, {"2", "0"}});
  const NextSongPairs pairs = CollectPairs(test, vocabulary_);
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()}, 0.0f);
  const std::vector<RankingMetrics> m =
      Summarize(RankTargets(pairs, 3, ModelRanker(recommender, Scoring::kSimilar), 1), {1, 3});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].k, 1u);
  EXPECT_DOUBLE_EQ(m[0].hit_rate, 0.0);
  EXPECT_DOUBLE_EQ(m[1].hit_rate, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m[1].mrr, (1.0 / 2 + 1.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(m[1].ndcg, (1 / std::log2(3.0) + 1 / std::log2(4.0)) / 3);
}

TEST_F(EvaluationTest, PopularityRanksByTrainingCountsTiesToTheLowerRow) {
  const Corpus train = MakeCorpus({{"0", "1", "0", "2"}, {"3", "0", "2"}});
  const std::vector<int64_t> counts = CountsIn(train, vocabulary_);
  EXPECT_EQ(counts, (std::vector<int64_t>{3, 1, 2, 1, 0}));
  const Ranker ranker = PopularityRanker(counts);
  EXPECT_EQ(ranker(0, 10), (std::vector<int32_t>{2, 1, 3, 4}));
  EXPECT_EQ(ranker(2, 2), (std::vector<int32_t>{0, 1}));
}

TEST_F(EvaluationTest, CooccurrenceRanksNeighboursThenPopularity) {
  // Next to 0: 1 twice, 2 twice, 3 once. 1 and 2 tie on co-occurrence; 2 is more popular (3 vs 2).
  // A song next to itself does not count.
  const Corpus train =
      MakeCorpus({{"0", "1", "0", "2"}, {"3", "0", "2", "2"}, {"4", "4"}, {"1", "3"}});
  const Cooccurrence cooccurrence(train, vocabulary_);
  const std::vector<int64_t> counts = CountsIn(train, vocabulary_);
  const Ranker ranker = CooccurrenceRanker(cooccurrence, counts);
  EXPECT_EQ(ranker(0, 10), (std::vector<int32_t>{2, 1, 3, 4}));
  // 4 stood only next to itself, which does not count: everything comes by popularity.
  EXPECT_EQ(ranker(4, 10), (std::vector<int32_t>{0, 2, 1, 3}));
  EXPECT_EQ(ranker(3, 1), (std::vector<int32_t>{0}));
}

TEST_F(EvaluationTest, ThreadsDoNotChangeTheFigures) {
  Corpus test;
  test.keys = vocabulary_.keys();
  for (int i = 0; i < 200; ++i) {
    test.AddPlaylist(std::vector<int32_t>{i % 5, (i * 7 + 1) % 5, (i * 3 + 2) % 5});
  }
  const NextSongPairs pairs = CollectPairs(test, vocabulary_);
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()}, 0.0f);
  const Ranker ranker = ModelRanker(recommender, Scoring::kSimilar);
  EXPECT_EQ(RankTargets(pairs, 3, ranker, 1), RankTargets(pairs, 3, ranker, 2));
}

}  // namespace
}  // namespace songvec
