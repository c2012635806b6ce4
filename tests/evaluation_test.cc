#include "core/evaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/random.h"

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

// `ranker`'s answer for `context` (most recent last).
std::vector<int32_t> Rank(const Ranker& ranker, std::vector<int32_t> context, size_t k) {
  return ranker(context, k);
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

// Continuation gives each pair the playlist so far: its last `context` songs, those outside the
// vocabulary dropped, most recent (a) last; the pairs are the one-song protocol's.
TEST_F(EvaluationTest, ContinuationGivesEachPairThePlaylistSoFar) {
  const Corpus test = MakeCorpus({{"0", "1", "x", "2", "2", "3", "4"}, {"4", "0"}});
  const NextSongPairs one = CollectPairs(test, vocabulary_);
  const NextSongPairs so_far = CollectPairs(test, vocabulary_, 3);
  EXPECT_TRUE(one.contexts.empty());
  EXPECT_EQ(so_far.pairs, one.pairs);
  EXPECT_EQ(so_far.total, one.total);
  EXPECT_EQ(so_far.pairs,
            (std::vector<std::pair<int32_t, int32_t>>{{0, 1}, {2, 3}, {3, 4}, {4, 0}}));
  // (0,1): just 0. (2,3): the last 3 positions are x 2 2, x dropped. (3,4): 2 2 3. (4,0): 4.
  EXPECT_EQ(so_far.contexts, (std::vector<std::vector<int32_t>>{{0}, {2, 2}, {2, 2, 3}, {4}}));
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
  // Contexts travel with their pairs.
  NextSongPairs with_contexts = all;
  for (const auto& [a, b] : all.pairs) with_contexts.contexts.push_back({b, a});
  SamplePairs(100, 1, &with_contexts);
  EXPECT_EQ(with_contexts.pairs, sample.pairs);
  ASSERT_EQ(with_contexts.contexts.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(with_contexts.contexts[i],
              (std::vector<int32_t>{sample.pairs[i].second, sample.pairs[i].first}));
  }
  EXPECT_EQ(DefaultMaxPairs(kSampledEvaluationSongs), 0u);
  EXPECT_EQ(DefaultMaxPairs(kSampledEvaluationSongs + 1), kDefaultSampledPairs);
}

TEST_F(EvaluationTest, CosineMetricsFollowTheDefinitions) {
  // From 0: 1 (0.994), 4 (0.707), 2 (0), 3 (-0.832): 4 has rank 2, 3 has rank 4.
  // From 2: 4 (0.707), 1 (0.110), 0 (0), 3 (-0.555): 0 has rank 3.
  const Corpus test = MakeCorpus({{"0", "4"}, {"0", "3"}, {"2", "0"}});
  const NextSongPairs pairs = CollectPairs(test, vocabulary_);
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()}, NextScoring{});
  const std::vector<RankingMetrics> m =
      Summarize(RankTargets(pairs, 3, ModelRanker(recommender, Scoring::kSimilar), 1), {1, 3});
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].k, 1u);
  EXPECT_DOUBLE_EQ(m[0].hit_rate, 0.0);
  EXPECT_DOUBLE_EQ(m[1].hit_rate, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m[1].mrr, (1.0 / 2 + 1.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(m[1].ndcg, (1 / std::log2(3.0) + 1 / std::log2(4.0)) / 3);
}

// HR's standard error is the binomial one; a paired comparison counts the pairs only one ranking
// hits and takes the spread of the per-pair differences.
TEST(PairedComparison, CountsDisagreementsAndTheirSpread) {
  // Ranks (0: beyond max_k). At k = 10 the first hits pairs 0, 2, 3; the second 0, 1.
  const std::vector<uint32_t> first = {1, 0, 3, 10, 11}, second = {2, 5, 0, 11, 0};
  const RankingMetrics m = Summarize(first, {10}).front();
  EXPECT_DOUBLE_EQ(m.hit_rate, 0.6);
  EXPECT_DOUBLE_EQ(m.hit_rate_error, std::sqrt(0.6 * 0.4 / 5));
  const PairedComparison c = ComparePaired(first, second, 10);
  EXPECT_EQ(c.only_first, 2u);
  EXPECT_EQ(c.only_second, 1u);
  EXPECT_DOUBLE_EQ(c.difference, 0.2);
  // Differences (0, -1, 1, 1, 0): mean 0.2, E[d^2] 0.6, variance 0.56.
  EXPECT_DOUBLE_EQ(c.standard_error, std::sqrt(0.56 / 5));
  EXPECT_DOUBLE_EQ(c.z(), 0.2 / std::sqrt(0.56 / 5));
  const PairedComparison same = ComparePaired(first, first, 10);
  EXPECT_EQ(same.only_first + same.only_second, 0u);
  EXPECT_EQ(same.z(), 0);
}

TEST(EvaluationWarnings, NameFewPairsAndLowCoverage) {
  EvaluationReport report;
  report.rankings.push_back({"next", {RankingMetrics{10}}, {}, {}});
  report.pairs.total = 4000;
  report.pairs.in_vocabulary = 3000;
  report.pairs.pairs.resize(3000);
  EXPECT_TRUE(EvaluationWarnings(report).empty());
  report.pairs.pairs.resize(250);
  report.pairs.in_vocabulary = 250;
  const std::vector<std::string> warnings = EvaluationWarnings(report);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "only 250 pairs were scored: at HR@10 one hit moves a figure by 0.0040, so "
            "differences of a few hits mean nothing");
  EXPECT_EQ(warnings[1],
            "only 6.2% of the test pairs have both songs in the model's vocabulary: the figures "
            "speak for those alone");
}

TEST(RandomPairCosine, IsNearOneForVectorsThatShareADirection) {
  Random rng(3);
  Matrix spread(500, 16), crowded(500, 16);
  for (Eigen::Index i = 0; i < spread.size(); ++i) {
    spread.data()[i] = rng.UniformFloat() - 0.5f;
    crowded.data()[i] = spread.data()[i] * 0.1f + 1.0f;
  }
  EXPECT_LT(std::abs(RandomPairCosine(spread, 2000, 1)), 0.05);
  EXPECT_GT(RandomPairCosine(crowded, 2000, 1), kCrowdedCosine);
  EXPECT_EQ(RandomPairCosine(spread, 2000, 1), RandomPairCosine(spread, 2000, 1));
}

TEST(AscendingShare, IsOneForSortedPlaylistsAndSkipsRepeats) {
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  Corpus sorted, reversed, mixed;
  sorted.AddPlaylist(std::vector<int32_t>{0, 1, 1, 3});
  sorted.AddPlaylist(std::vector<int32_t>{2, 3});
  reversed.AddPlaylist(std::vector<int32_t>{3, 2, 1, 0});
  mixed.AddPlaylist(std::vector<int32_t>{0, 2, 1, 3});
  EXPECT_DOUBLE_EQ(AscendingShare(sorted, names), 1.0);  // 3 pairs: the repeat 1, 1 is skipped
  EXPECT_DOUBLE_EQ(AscendingShare(reversed, names), 0.0);
  EXPECT_DOUBLE_EQ(AscendingShare(mixed, names), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(AscendingShare(Corpus(), names), 0.0);
}

// Rule scores by hand: after within 10 positions at 1/gap^2, before at half that, never across
// playlists; a song the vocabulary lacks keeps its position.
TEST(SequentialRules, WeighTheGapForwardAndHalfBackwardWithinAPlaylist) {
  const Vocabulary vocabulary({"a", "b", "c", "d"}, {3, 2, 2, 1});
  Corpus train;
  train.keys = {"a", "b", "x", "c", "d"};               // "x" is not in the vocabulary
  train.AddPlaylist(std::vector<int32_t>{0, 1, 2, 3});  // a b x c
  train.AddPlaylist(std::vector<int32_t>{4, 0});        // d a
  const SequentialRules rules(train, vocabulary);
  std::vector<float> scores(4, 0.0f);
  std::vector<int32_t> touched;
  rules.Accumulate(0, 1, 2.0f, &scores, &touched);
  // From a: b at gap 1 (1), c at gap 3 (1/9); d before it at gap 1 (0.5); all times 2.
  EXPECT_FLOAT_EQ(scores[1], 2.0f);
  EXPECT_FLOAT_EQ(scores[2], 2.0f / 9);
  EXPECT_FLOAT_EQ(scores[3], 1.0f);
  EXPECT_EQ(scores[0], 0.0f);
  EXPECT_EQ(touched, (std::vector<int32_t>{1, 2, 3}));
  scores.assign(4, 0.0f);
  touched.clear();
  rules.Accumulate(3, 1, 1.0f, &scores, &touched);  // d: a right after it; nothing of playlist 1
  EXPECT_FLOAT_EQ(scores[0], 1.0f);
  EXPECT_EQ(touched, (std::vector<int32_t>{0}));
  // Ranked: from c, b (0.5 / 4 = 0.125) and a (0.5 / 9) by score, then d by popularity.
  const std::vector<int64_t> counts = {3, 2, 2, 1};  // outlives the ranker, which refers to it
  const Ranker ranker = PairScoresRanker(rules, counts);
  EXPECT_EQ(Rank(ranker, {2}, 3), (std::vector<int32_t>{1, 0, 3}));
  EXPECT_EQ(Rank(ranker, {2}, 3),
            (std::vector<int32_t>{1, 0, 3}));  // the scratch scores were reset
}

// Further back a song counts what came that many songs after it: at distance 2, from a in
// x a y b c, b (gap 2) scores 1, y and c 1/4; x before it 0.5 / 4.
TEST(SequentialRules, ASongFurtherBackWeighsTheGapsAroundItsDistance) {
  const Vocabulary vocabulary({"x", "a", "y", "b", "c"}, {1, 1, 1, 1, 1});
  Corpus train;
  train.keys = vocabulary.keys();
  train.AddPlaylist(std::vector<int32_t>{0, 1, 2, 3, 4});
  const SequentialRules rules(train, vocabulary);
  std::vector<float> scores(5, 0.0f);
  std::vector<int32_t> touched;
  rules.Accumulate(1, 2, 1.0f, &scores, &touched);
  EXPECT_FLOAT_EQ(scores[3], 1.0f);
  EXPECT_FLOAT_EQ(scores[2], 0.25f);
  EXPECT_FLOAT_EQ(scores[4], 0.25f);
  EXPECT_FLOAT_EQ(scores[0], 0.125f);
  scores.assign(5, 0.0f);
  rules.Accumulate(1, 4, 1.0f, &scores, &touched);  // y 1/16, b 1/9, c 1/4; x 0.5 / 16
  EXPECT_FLOAT_EQ(scores[2], 1.0f / 16);
  EXPECT_FLOAT_EQ(scores[3], 1.0f / 9);
  EXPECT_FLOAT_EQ(scores[4], 1.0f / 4);
  EXPECT_FLOAT_EQ(scores[0], 0.5f / 16);
}

// A song of more than kMaxOccurrencesByDistance occurrences is scored further back from an evenly
// spaced sample of them, standing for all: 10,000 occurrences of a, b two songs after each, and c
// after every other one, score 10,000 and about 5,000; at distance 1 every occurrence counts.
TEST(SequentialRules, FurtherBackAHeadSongIsScoredFromASample) {
  const Vocabulary vocabulary({"a", "b", "c", "d", "e"}, {10000, 10000, 5000, 5000, 10000});
  Corpus train;
  train.keys = vocabulary.keys();
  for (int p = 0; p < 10000; ++p) train.AddPlaylist(std::vector<int32_t>{0, 4, 1, p % 2 ? 2 : 3});
  const SequentialRules rules(train, vocabulary);
  ASSERT_GT(10000u, SequentialRules::kMaxOccurrencesByDistance);
  std::vector<float> scores(5, 0.0f);
  std::vector<int32_t> touched;
  rules.Accumulate(0, 2, 1.0f, &scores, &touched);
  EXPECT_NEAR(scores[1], 10000.0f, 1.0f);
  EXPECT_NEAR(scores[2], 5000.0f / 4, 0.02 * 5000 / 4);
  EXPECT_NEAR(scores[3], 5000.0f / 4, 0.02 * 5000 / 4);
  scores.assign(5, 0.0f);
  rules.Accumulate(0, 1, 1.0f, &scores, &touched);
  EXPECT_NEAR(scores[2], 5000.0f / 9, 0.1);
  EXPECT_NEAR(scores[3], 5000.0f / 9, 0.1);
}

// The most played songs' rows, computed ahead, score as the definition says, as the songs scored
// on demand do: every song within 10 positions after at 1/gap^2 and before at half that, summed
// over the song's occurrences, and each song reached appended to `touched` once; further back (at
// distance d, on demand) at 1/(1 + |gap - d|)^2 instead.
TEST(SequentialRules, RowsComputedAheadScoreAsTheDefinitionSays) {
  constexpr int kSongs = 300;
  std::vector<std::string> keys;
  for (int i = 0; i < kSongs; ++i) keys.push_back(std::to_string(i));
  const Vocabulary vocabulary(keys, std::vector<int64_t>(kSongs, 1));
  Corpus train;
  train.keys = keys;
  Random rng(9);
  for (int p = 0; p < 400; ++p) {
    // Song 0 in every playlist, song 1 in every fourth, the rest drawn uniformly.
    std::vector<int32_t> playlist;
    for (int i = 0; i < 12; ++i)
      playlist.push_back(static_cast<int32_t>(2 + rng.Uniform(kSongs - 2)));
    playlist[rng.Uniform(12)] = 0;
    if (p % 4 == 0) playlist[rng.Uniform(12)] = 1;
    train.AddPlaylist(playlist);
  }
  const SequentialRules rules(train, vocabulary);
  // Song 0 (400 occurrences) and song 1 (about 100) are past kMinPrecomputedOccurrences; the
  // others (about 16) are not.
  EXPECT_EQ(rules.precomputed(), 2u);
  for (const int distance : {1, 2, 7}) {
    for (const int32_t song : {0, 1, 2, 150}) {
      std::vector<double> expected(kSongs, 0.0);
      for (size_t p = 0; p < train.num_playlists(); ++p) {
        const std::span<const int32_t> playlist = train.playlist(p);
        for (size_t i = 0; i < playlist.size(); ++i) {
          if (playlist[i] != song) continue;
          for (size_t j = 0; j < playlist.size(); ++j) {
            const auto gap = static_cast<double>(j > i ? j - i : i - j);
            if (j == i || gap > SequentialRules::kMaxGap || playlist[j] == song) continue;
            const double off = 1 + std::abs(gap - distance);
            expected[playlist[j]] += (j > i ? 1.0 : SequentialRules::kBackward) / (off * off);
          }
        }
      }
      std::vector<float> scores(kSongs, 0.0f);
      std::vector<int32_t> touched = {-7};  // appended to, not replaced
      rules.Accumulate(song, distance, 0.5f, &scores, &touched);
      std::vector<int32_t> reached;
      for (int32_t b = 0; b < kSongs; ++b) {
        EXPECT_NEAR(scores[b], 0.5 * expected[b], 1e-5 * expected[b])
            << song << " -> " << b << " at distance " << distance;
        if (expected[b] > 0) reached.push_back(b);
      }
      ASSERT_FALSE(touched.empty());
      EXPECT_EQ(touched.front(), -7);
      touched.erase(touched.begin());
      std::sort(touched.begin(), touched.end());
      EXPECT_EQ(touched, reached) << "song " << song << " at distance " << distance;
    }
  }
}

// Session-kNN by hand: playlists 0 and 2 hold both seeds, 1 only b (weight 0.25), 3 neither. With
// the 2 nearest (0 and 2, similarity 1.25 each), a song in both gains the whole weight, a song in
// one half of it, a song held twice once; with 3, playlist 1 joins at 0.25 of 2.75.
TEST(SequentialRules, NeighborsAreThePlaylistsHoldingMostOfTheSeeds) {
  const Vocabulary vocabulary({"a", "b", "c", "d", "e", "f"}, {1, 1, 1, 1, 1, 1});
  Corpus train;
  train.keys = vocabulary.keys();
  train.AddPlaylist(std::vector<int32_t>{0, 2, 1, 2});  // a c b c
  train.AddPlaylist(std::vector<int32_t>{1, 5});        // b f
  train.AddPlaylist(std::vector<int32_t>{3, 1, 0});     // d b a
  train.AddPlaylist(std::vector<int32_t>{4, 5});        // e f
  const SequentialRules rules(train, vocabulary);
  EXPECT_EQ(rules.playlists(), 4u);
  const std::vector<int32_t> seeds = {1, 0};  // b, then a
  const std::vector<float> weights = {0.25f, 1.0f};
  SequentialRules::NeighborScratch scratch;
  std::vector<float> scores(6, 0.0f);
  std::vector<int32_t> touched = {-7};  // appended to, not replaced
  rules.AccumulateNeighbors(seeds, weights, 2, 4.0f, &scores, &touched, &scratch);
  EXPECT_EQ(scores, (std::vector<float>{4, 4, 2, 2, 0, 0}));
  std::sort(touched.begin(), touched.end());
  EXPECT_EQ(touched, (std::vector<int32_t>{-7, 0, 1, 2, 3}));
  EXPECT_EQ(scratch.similarity, std::vector<float>(4, 0.0f));  // left as it was given
  scores.assign(6, 0.0f);
  touched.clear();
  rules.AccumulateNeighbors(seeds, weights, 3, 2.75f, &scores, &touched, &scratch);
  EXPECT_FLOAT_EQ(scores[5], 0.25f);  // f, in playlist 1 alone
  EXPECT_FLOAT_EQ(scores[1], 2.75f);  // b, in all three
  EXPECT_FLOAT_EQ(scores[2], 1.25f);
  EXPECT_EQ(scores[4], 0.0f);  // e: playlist 3 holds no seed
  // Ties go to the earlier playlist: with one neighbour, playlist 0.
  scores.assign(6, 0.0f);
  rules.AccumulateNeighbors(seeds, weights, 1, 1.0f, &scores, &touched, &scratch);
  EXPECT_EQ(scores, (std::vector<float>{1, 1, 1, 0, 0, 0}));
}

// Against a brute-force oracle on random playlists: the k playlists of highest similarity (the
// summed weights of the seeds they hold, ties to the earlier), each song's share of theirs.
TEST(SequentialRules, NeighborsMatchABruteForceOracle) {
  constexpr int kSongs = 60;
  std::vector<std::string> keys;
  for (int i = 0; i < kSongs; ++i) keys.push_back(std::to_string(i));
  const Vocabulary vocabulary(keys, std::vector<int64_t>(kSongs, 1));
  Corpus train;
  train.keys = keys;
  Random rng(4);
  for (int p = 0; p < 300; ++p) {
    std::vector<int32_t> playlist;
    for (size_t i = 0, n = 3 + rng.Uniform(15); i < n; ++i)
      playlist.push_back(static_cast<int32_t>(rng.Uniform(kSongs)));
    train.AddPlaylist(playlist);
  }
  const SequentialRules rules(train, vocabulary);
  SequentialRules::NeighborScratch scratch;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<int32_t> seeds;
    for (size_t i = 0, n = 2 + rng.Uniform(8); i < n; ++i)
      seeds.push_back(static_cast<int32_t>(rng.Uniform(kSongs)));
    const std::vector<float> weights = RecencyWeights(seeds.size(), 0.85f);
    const size_t k = 1 + rng.Uniform(30);
    std::vector<std::pair<float, size_t>> by_similarity;  // (-similarity, playlist)
    for (size_t p = 0; p < train.num_playlists(); ++p) {
      const std::span<const int32_t> playlist = train.playlist(p);
      float similarity = 0;
      for (size_t i = 0; i < seeds.size(); ++i) {
        // Summed per occurrence of a seed, as the seeds' occurrences are looked up.
        similarity += weights[i] * static_cast<float>(std::count(playlist.begin(),
                                                                 playlist.end(), seeds[i]));
      }
      if (similarity > 0) by_similarity.push_back({-similarity, p});
    }
    std::sort(by_similarity.begin(), by_similarity.end());
    by_similarity.resize(std::min(k, by_similarity.size()));
    double total = 0;
    for (const auto& [similarity, p] : by_similarity) total -= similarity;
    std::vector<double> expected(kSongs, 0.0);
    for (const auto& [similarity, p] : by_similarity) {
      std::vector<int32_t> songs(train.playlist(p).begin(), train.playlist(p).end());
      std::sort(songs.begin(), songs.end());
      songs.erase(std::unique(songs.begin(), songs.end()), songs.end());
      for (const int32_t song : songs) expected[song] += -similarity / total;
    }
    std::vector<float> scores(kSongs, 0.0f);
    std::vector<int32_t> touched;
    rules.AccumulateNeighbors(seeds, weights, k, 1.0f, &scores, &touched, &scratch);
    std::vector<int32_t> reached;
    for (int32_t song = 0; song < kSongs; ++song) {
      EXPECT_NEAR(scores[song], expected[song], 1e-5) << "song " << song << ", trial " << trial;
      if (expected[song] > 0) reached.push_back(song);
    }
    std::sort(touched.begin(), touched.end());
    EXPECT_EQ(touched, reached) << "trial " << trial;
  }
}

TEST_F(EvaluationTest, PopularityRanksByTrainingCountsTiesToTheLowerRow) {
  const Corpus train = MakeCorpus({{"0", "1", "0", "2"}, {"3", "0", "2"}});
  const std::vector<int64_t> counts = CountsIn(train, vocabulary_);
  EXPECT_EQ(counts, (std::vector<int64_t>{3, 1, 2, 1, 0}));
  const Ranker ranker = PopularityRanker(counts);
  EXPECT_EQ(Rank(ranker, {0}, 10), (std::vector<int32_t>{2, 1, 3, 4}));
  EXPECT_EQ(Rank(ranker, {2}, 2), (std::vector<int32_t>{0, 1}));
}

TEST_F(EvaluationTest, CooccurrenceRanksNeighboursThenPopularity) {
  // Next to 0: 1 twice, 2 twice, 3 once. 1 and 2 tie on co-occurrence; 2 is more popular (3 vs 2).
  // A song next to itself does not count.
  const Corpus train =
      MakeCorpus({{"0", "1", "0", "2"}, {"3", "0", "2", "2"}, {"4", "4"}, {"1", "3"}});
  const Cooccurrence cooccurrence(train, vocabulary_);
  const std::vector<int64_t> counts = CountsIn(train, vocabulary_);
  const Ranker ranker = PairScoresRanker(cooccurrence, counts);
  EXPECT_EQ(Rank(ranker, {0}, 10), (std::vector<int32_t>{2, 1, 3, 4}));
  // 4 stood only next to itself, which does not count: everything comes by popularity.
  EXPECT_EQ(Rank(ranker, {4}, 10), (std::vector<int32_t>{0, 2, 1, 3}));
  EXPECT_EQ(Rank(ranker, {3}, 1), (std::vector<int32_t>{0}));
}

// The baselines given a context sum each song's counts weighted 0.5^age, rank the other context
// songs too, never the last one.
TEST_F(EvaluationTest, BaselinesSumTheContextWeightedByRecency) {
  // Next to 0: 1 (twice), 3. Next to 2: 3 (three times), 4. Next to 1: 0 (twice).
  const Corpus train = MakeCorpus({{"1", "0", "1"}, {"2", "3", "2", "3"}, {"3", "0"}, {"2", "4"}});
  const Cooccurrence cooccurrence(train, vocabulary_);
  const std::vector<int64_t> counts = CountsIn(train, vocabulary_);
  const Ranker ranker = PairScoresRanker(cooccurrence, counts);
  // Context 2 then 0 (0 last, weight 1; 2 weight 0.5): 1 scores 2, 3 scores 1 + 1.5 = 2.5,
  // 4 scores 0.5, 2 scores 0 but is a context song ranked by popularity like the rest.
  EXPECT_EQ(Rank(ranker, {2, 0}, 10), (std::vector<int32_t>{3, 1, 4, 2}));
  // Context 0 then 2: 3 scores 3 + 0.5 = 3.5, 4 and 1 tie at 1 (1 is more played), 0 scores
  // nothing and comes by popularity; never 2 itself.
  EXPECT_EQ(Rank(ranker, {0, 2}, 10), (std::vector<int32_t>{3, 1, 4, 0}));

  // Sequential rules over a context: a b c, d a. From context {b, c}: c's rules (b before it at
  // gap 1: 0.5, a before at gap 2: 0.125) weigh 1, b's (c after at 1, a before at 1: 0.5) 0.5.
  const Vocabulary letters({"a", "b", "c", "d"}, {2, 1, 1, 1});
  Corpus rules_train;
  rules_train.keys = {"a", "b", "c", "d"};
  rules_train.AddPlaylist(std::vector<int32_t>{0, 1, 2});
  rules_train.AddPlaylist(std::vector<int32_t>{3, 0});
  const SequentialRules rules(rules_train, letters);
  const std::vector<int64_t> letter_counts = {2, 1, 1, 1};
  const Ranker rules_ranker = PairScoresRanker(rules, letter_counts);
  // a: 0.125 + 0.5 * 0.5 = 0.375; b: 0.5 (from c); c itself never; d: by popularity.
  EXPECT_EQ(Rank(rules_ranker, {1, 2}, 10), (std::vector<int32_t>{1, 0, 3}));
}

// The model given a context is the Recommender continuing the context as a playlist, its songs
// weighted by recency: from {4, 0} the query is 0.5 u4 + u0 (u: unit vectors), and each score its
// cosine. The last song never comes back, the earlier one where repeats are asked for: similar
// keeps the plain weights and no repeats whatever next's settings say.
TEST_F(EvaluationTest, TheModelGivenAContextWeighsItsSongsByRecency) {
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()},
                                {.context_decay = 0.9f, .repeats = true});
  const Ranker ranker = ModelRanker(recommender, Scoring::kSimilar);
  const std::vector<int32_t> context = {4, 0};
  EXPECT_EQ(RecencyWeights(2), (std::vector<float>{0.5f, 1.0f}));
  EXPECT_EQ(RecencyWeights(3), (std::vector<float>{0.25f, 0.5f, 1.0f}));
  EXPECT_EQ(RecencyWeights(3, 0.8f), (std::vector<float>{0.8f * 0.8f, 0.8f, 1.0f}));
  const std::vector<Neighbor> found =
      recommender.Continue(Scoring::kSimilar, context, 4, nullptr, true);
  std::vector<int32_t> rows;
  for (const Neighbor& n : found) rows.push_back(n.row);
  EXPECT_EQ(rows, (std::vector<int32_t>{1, 4, 2, 3}));
  EXPECT_EQ(Rank(ranker, context, 4), (std::vector<int32_t>{1, 2, 3}));
  auto unit = [this](int row) {
    const Eigen::Vector2d v = vectors_.row(row).transpose().cast<double>();
    return Eigen::Vector2d(v / v.norm());
  };
  const Eigen::Vector2d weighted = 0.5 * unit(4) + unit(0), equal = unit(4) + unit(0);
  const double cosine = weighted.dot(unit(1)) / weighted.norm();
  EXPECT_NEAR(found[0].score, cosine, 1e-6);
  EXPECT_GT(std::abs(cosine - equal.dot(unit(1)) / equal.norm()), 0.01);  // the weights matter
}

// Baselines given a blend model's own sequential rules share them instead of counting them again,
// and score exactly as rules they count.
TEST_F(EvaluationTest, BaselinesShareTheRulesTheyAreGiven) {
  Corpus train;
  train.keys = vocabulary_.keys();
  for (int i = 0; i < 50; ++i) {
    train.AddPlaylist(std::vector<int32_t>{i % 5, (i * 3 + 1) % 5, (i * 2 + 2) % 5});
  }
  const auto rules = std::make_shared<const SequentialRules>(train, vocabulary_);
  const Baselines shared(train, vocabulary_, rules);
  const Baselines counted(train, vocabulary_);
  EXPECT_EQ(shared.rules.get(), rules.get());
  ASSERT_NE(counted.rules, nullptr);
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()}, NextScoring{});
  const EvaluationReport a = EvaluateNextSong(vocabulary_, recommender, train, shared, {1, 3}, 1);
  const EvaluationReport b = EvaluateNextSong(vocabulary_, recommender, train, counted, {1, 3}, 1);
  ASSERT_EQ(a.rankings.size(), b.rankings.size());
  for (size_t i = 0; i < a.rankings.size(); ++i) {
    EXPECT_EQ(a.rankings[i].name, b.rankings[i].name);
    EXPECT_EQ(a.rankings[i].ranks, b.rankings[i].ranks) << a.rankings[i].name;
  }
}

TEST_F(EvaluationTest, ThreadsDoNotChangeTheFigures) {
  Corpus test;
  test.keys = vocabulary_.keys();
  for (int i = 0; i < 200; ++i) {
    test.AddPlaylist(std::vector<int32_t>{i % 5, (i * 7 + 1) % 5, (i * 3 + 2) % 5});
  }
  const NextSongPairs pairs = CollectPairs(test, vocabulary_);
  const Recommender recommender(Embeddings{vocabulary_, vectors_, Matrix()}, NextScoring{});
  const Ranker ranker = ModelRanker(recommender, Scoring::kSimilar);
  EXPECT_EQ(RankTargets(pairs, 3, ranker, 1), RankTargets(pairs, 3, ranker, 2));
}

}  // namespace
}  // namespace songvec
