#include "core/recommender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "core/cooccurrence.h"
#include "core/random.h"
#include "core/sequential_rules.h"

namespace songvec {
namespace {

// Three songs in 2-D with hand-set input and output vectors and counts 100, 10, 1.
Embeddings ThreeSongs() {
  Embeddings e{Vocabulary({"a", "b", "c"}, {100, 10, 1}), Matrix(3, 2), Matrix(3, 2)};
  e.input << 1, 0,  //
      0, 1,         //
      1, 1;
  e.output << 1, 0,  //
      2, 0,          //
      0, 3;
  return e;
}

std::vector<int32_t> Rows(const std::vector<Neighbor>& neighbors) {
  std::vector<int32_t> rows;
  for (const Neighbor& n : neighbors) rows.push_back(n.row);
  return rows;
}

TEST(Recommender, NextScoresInputAgainstOutputPlusWeightedLogCount) {
  const Recommender recommender(ThreeSongs(), {.popularity_weight = 0.5f});
  const int32_t seed[] = {0};  // input (1, 0)
  std::vector<Neighbor> found = recommender.Recommend(Scoring::kNext, seed, {}, 3, nullptr);
  // a: 1 + 0.5 log 100 = 3.303; b: 2 + 0.5 log 10 = 3.151; c: 0 + 0 = 0.
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_NEAR(found[0].score, 1 + 0.5 * std::log(100.0), 1e-5);
  EXPECT_NEAR(found[1].score, 2 + 0.5 * std::log(10.0), 1e-5);
  // Without the popularity term, b's larger dot product wins.
  const Recommender no_bias(ThreeSongs(), NextScoring{});
  EXPECT_EQ(Rows(no_bias.Recommend(Scoring::kNext, seed, {}, 3, nullptr)),
            (std::vector<int32_t>{1, 0, 2}));
}

TEST(Recommender, SimilarIsCosineOfCentredVectorsQueriedByTheMeanOfUnitOnesMinusNegatives) {
  const Recommender recommender(ThreeSongs(), NextScoring{});
  const int32_t a[] = {0}, b[] = {1};
  // Less their mean (2/3, 2/3): a (1, -2)/3, b (-2, 1)/3, c (1, 1)/3. From a, c (cosine
  // -1/sqrt(10)) beats b (-0.8).
  EXPECT_EQ(Rows(recommender.Recommend(Scoring::kSimilar, a, {}, 2,
                                       [](int32_t row) { return row == 0; })),
            (std::vector<int32_t>{2, 1}));
  // a minus b at unit length points to (1, -1): a itself first, c (orthogonal) second, b last.
  std::vector<Neighbor> found = recommender.Recommend(Scoring::kSimilar, a, b, 3, nullptr);
  EXPECT_EQ(Rows(found), (std::vector<int32_t>{0, 2, 1}));
  EXPECT_NEAR(found[0].score, 3 / std::sqrt(10.0), 1e-6);
  EXPECT_NEAR(found[1].score, 0, 1e-6);
}

// A direction every vector shares (SGNS's anisotropy) neither changes similar's answers nor
// crowds its scores towards 1.
TEST(Recommender, SimilarIgnoresADirectionEveryVectorShares) {
  Random rng(11);
  std::vector<std::string> keys;
  for (int r = 0; r < 300; ++r) keys.push_back(std::to_string(r));
  Embeddings spread{Vocabulary(keys, std::vector<int64_t>(300, 1)), Matrix(300, 8), Matrix()};
  for (Eigen::Index i = 0; i < spread.input.size(); ++i) {
    spread.input.data()[i] = rng.UniformFloat() - 0.5f;
  }
  Embeddings shifted = spread;
  shifted.input.rowwise() += Eigen::RowVectorXf::Constant(8, 4.0f);
  const Recommender plain(spread, NextScoring{}), crowded(shifted, NextScoring{});
  for (int32_t seed : {0, 7, 123, 299}) {
    const int32_t seeds[] = {seed};
    auto skip_seed = [seed](int32_t row) { return row == seed; };
    const std::vector<Neighbor> expected =
        plain.Recommend(Scoring::kSimilar, seeds, {}, 10, skip_seed);
    const std::vector<Neighbor> found =
        crowded.Recommend(Scoring::kSimilar, seeds, {}, 10, skip_seed);
    ASSERT_EQ(Rows(found), Rows(expected)) << "seed " << seed;
    for (size_t i = 0; i < found.size(); ++i) EXPECT_NEAR(found[i].score, expected[i].score, 1e-5);
    EXPECT_LT(found.back().score, 0.9f);  // the raw cosines of the shifted rows all exceed 0.95
  }
}

// The count term is c log(1 + the seeds' weighted sum of pair scores), whichever PairScores.
TEST(Recommender, BlendAddsTheWeightedLogOfTheSeedsPairScores) {
  // a b once; c a three times: from a, b's rule score is 1 (right after), c's 3 * 0.5 (right
  // before); c stood next to a three times, b once.
  Corpus train;
  train.keys = {"a", "b", "c"};
  train.AddPlaylist(std::vector<int32_t>{0, 1});
  for (int i = 0; i < 3; ++i) train.AddPlaylist(std::vector<int32_t>{2, 0});
  const Embeddings embeddings = ThreeSongs();
  auto not_a = [](int32_t row) { return row == 0; };
  const int32_t seed[] = {0};
  const Recommender rules(embeddings, {.rules_weight = 2.0f},
                          std::make_shared<const SequentialRules>(train, embeddings.vocabulary));
  std::vector<Neighbor> found = rules.Recommend(Scoring::kNext, seed, {}, 2, not_a);
  // b: 2 + 2 log 2 = 3.386; c: 0 + 2 log 2.5 = 1.833.
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(found[0].score, 2 + 2 * std::log(2.0), 1e-5);
  EXPECT_NEAR(found[1].score, 2 * std::log(2.5), 1e-5);
  const Recommender adjacent(embeddings, {.rules_weight = 2.0f},
                             std::make_shared<const Cooccurrence>(train, embeddings.vocabulary));
  found = adjacent.Recommend(Scoring::kNext, seed, {}, 2, not_a);
  // b: 2 + 2 log 2 = 3.386; c: 0 + 2 log 4 = 2.773.
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(found[1].score, 2 * std::log(4.0), 1e-5);
  // The playlist a, b with a decay of 1/3: a weighs 1, b 3, so the query is (0.25, 0.75), and a's
  // rules weigh 1/4, b's 3/4. From b, a comes right before (0.5). So a, which may come back,
  // scores 0.25 from its dot product and 2 log(1 + 0.75 * 0.5); c scores 2.25 and
  // 2 log(1 + 0.25 * 1.5); b, the last, is excluded.
  const Recommender playlist_rules(
      embeddings, {.rules_weight = 2.0f, .context_decay = 1.0f / 3, .repeats = true},
      std::make_shared<const SequentialRules>(train, embeddings.vocabulary));
  const int32_t playlist[] = {0, 1};
  found = playlist_rules.Continue(Scoring::kNext, playlist, 2, nullptr);
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{2, 0}));
  EXPECT_NEAR(found[0].score, 2.25 + 2 * std::log(1.375), 1e-5);
  EXPECT_NEAR(found[1].score, 0.25 + 2 * std::log(1.375), 1e-5);
}

// Every next score is the dot product plus c log(1 + the seeds' weighted rule scores), each seed's
// divided by its count where the blend counts per play and counted at its distance where it counts
// by distance, whether the seeds' rules reach a few of the songs or most of them (which the
// Recommender reads in two ways).
TEST(Recommender, BlendScoresEverySongAsItsDefinitionSays) {
  constexpr int kSongs = 320;
  Random rng(5);
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (int r = 0; r < kSongs; ++r) {
    keys.push_back(std::to_string(r));
    counts.push_back(1 + r % 7);
  }
  Embeddings embeddings{Vocabulary(keys, counts), Matrix(kSongs, 4), Matrix(kSongs, 4)};
  for (Matrix* m : {&embeddings.input, &embeddings.output}) {
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = rng.UniformFloat() - 0.5f;
  }
  // Song 0 is in every playlist, beside songs drawn at random (its rules reach most songs); song
  // 1 only in the first.
  Corpus train;
  train.keys = keys;
  train.AddPlaylist(std::vector<int32_t>{1, 2, 3});
  for (int p = 0; p < 100; ++p) {
    std::vector<int32_t> playlist;
    for (int i = 0; i < 6; ++i) playlist.push_back(static_cast<int32_t>(rng.Uniform(kSongs)));
    playlist[3] = 0;
    train.AddPlaylist(playlist);
  }
  const auto rules = std::make_shared<const SequentialRules>(train, embeddings.vocabulary);
  for (const bool per_play : {false, true}) {
    for (const bool by_distance : {false, true}) {
      const NextScoring scoring = {.rules_weight = 3.0f,
                                   .rules_per_play = per_play,
                                   .rules_by_distance = by_distance,
                                   .context_decay = 0.5f,
                                   .repeats = true};
      const Recommender blend(embeddings, scoring, rules);
      const std::vector<std::vector<int32_t>> playlists = {{1}, {0}, {1, 0}, {2, 1, 0}};
      for (const std::vector<int32_t>& seeds : playlists) {
        const std::vector<float> weights = RecencyWeights(seeds.size());
        const float total = std::accumulate(weights.begin(), weights.end(), 0.0f);
        Eigen::VectorXf query = Eigen::VectorXf::Zero(4);
        std::vector<float> sums(kSongs, 0.0f);
        std::vector<int32_t> touched;
        for (size_t i = 0; i < seeds.size(); ++i) {
          query += weights[i] / total * embeddings.input.row(seeds[i]).transpose();
          const float play = per_play ? 1.0f / static_cast<float>(counts[seeds[i]]) : 1.0f;
          const int distance = by_distance ? static_cast<int>(seeds.size() - i) : 1;
          rules->Accumulate(seeds[i], distance, weights[i] / total * play, &sums, &touched);
        }
        const std::vector<Neighbor> found = blend.Continue(Scoring::kNext, seeds, kSongs, nullptr);
        ASSERT_EQ(found.size(), static_cast<size_t>(kSongs - 1));  // all but the last seed
        for (const Neighbor& n : found) {
          const float expected =
              embeddings.output.row(n.row).dot(query) + 3.0f * std::log1p(sums[n.row]);
          EXPECT_NEAR(n.score, expected, 1e-5)
              << "song " << n.row << " after " << seeds.back() << (per_play ? ", per play" : "")
              << (by_distance ? ", by distance" : "");
        }
        if (seeds.size() == 1) {  // song 1's rules reach a few songs, song 0's most
          EXPECT_TRUE(seeds[0] == 1 ? touched.size() < kSongs / 16 : touched.size() > kSongs / 2)
              << touched.size() << " songs reached from song " << seeds[0];
        }
      }
    }
  }
}

// Session-kNN: given two songs or more, next adds neighbors_weight times each song's share of the
// nearest training playlists (seeds weighted as the count term weighs them), scaled by the repeat
// weight for the playlist's own songs; given one, nothing (every playlist holding it is as near).
TEST(Recommender, NeighborsAddTheirShareGivenTwoSongsOrMore) {
  constexpr int kSongs = 200;
  Random rng(8);
  std::vector<std::string> keys;
  for (int r = 0; r < kSongs; ++r) keys.push_back(std::to_string(r));
  Embeddings embeddings{Vocabulary(keys, std::vector<int64_t>(kSongs, 3)), Matrix(kSongs, 4),
                        Matrix(kSongs, 4)};
  for (Matrix* m : {&embeddings.input, &embeddings.output}) {
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = rng.UniformFloat() - 0.5f;
  }
  Corpus train;
  train.keys = keys;
  for (int p = 0; p < 150; ++p) {
    std::vector<int32_t> playlist;
    for (int i = 0; i < 8; ++i) playlist.push_back(static_cast<int32_t>(rng.Uniform(kSongs)));
    train.AddPlaylist(playlist);
  }
  const auto rules = std::make_shared<const SequentialRules>(train, embeddings.vocabulary);
  const NextScoring plain = {.rules_weight = 3.0f,
                             .rules_per_play = true,
                             .context_decay = 0.7f,
                             .repeats = true,
                             .repeat_weight = 0.5f};
  NextScoring knn = plain;
  knn.neighbors = 5;
  knn.neighbors_weight = 2.0f;
  const Recommender without(embeddings, plain, rules);
  const Recommender with = without.WithNextScoring(knn);
  ASSERT_TRUE(with.may_use_neighbors());
  for (const std::vector<int32_t>& playlist :
       std::vector<std::vector<int32_t>>{{7}, {7, 9}, {train.playlist(3).begin(),
                                                       train.playlist(3).end()}}) {
    const std::span<const int32_t> seeds(playlist);
    std::vector<float> weights = RecencyWeights(seeds.size(), knn.context_decay);
    const float total = std::accumulate(weights.begin(), weights.end(), 0.0f);
    for (float& weight : weights) weight /= total;
    std::vector<float> near(kSongs, 0.0f);
    std::vector<int32_t> touched;
    SequentialRules::NeighborScratch scratch;
    if (seeds.size() >= 2) {
      rules->AccumulateNeighbors(seeds, weights, 5, 2.0f, &near, &touched, &scratch);
      ASSERT_FALSE(touched.empty());
    }
    std::vector<float> base(kSongs, -1e30f);
    for (const Neighbor& n : without.Continue(Scoring::kNext, seeds, kSongs, nullptr)) {
      base[n.row] = n.score;
    }
    const std::vector<Neighbor> found = with.Continue(Scoring::kNext, seeds, kSongs, nullptr);
    ASSERT_EQ(found.size(), static_cast<size_t>(kSongs - 1));
    for (const Neighbor& n : found) {
      const bool earlier = std::find(playlist.begin(), playlist.end() - 1, n.row) !=
                           playlist.end() - 1;
      EXPECT_NEAR(n.score, base[n.row] + (earlier ? 0.5f : 1.0f) * near[n.row], 1e-4)
          << "song " << n.row << " after a playlist of " << playlist.size();
    }
  }
}

// A playlist's last song never comes back, its other songs only where repeats (the model's, or
// the query's) say, and then with their count term scaled by the repeat weight; only its last
// `context` songs are seeds, but all of them are the playlist.
TEST(Recommender, ContinuingAPlaylistLetsItsSongsBackAsRepeatsSay) {
  // c a twice and a b once: from a, b's rule score is 1 and c's 2 * 0.5 (before it); from c,
  // a's 2 and b's 1/4 (gap 2).
  Corpus train;
  train.keys = {"a", "b", "c"};
  train.AddPlaylist(std::vector<int32_t>{2, 0, 1});
  train.AddPlaylist(std::vector<int32_t>{2, 0});
  const Embeddings embeddings = ThreeSongs();
  const auto rules = std::make_shared<const SequentialRules>(train, embeddings.vocabulary);
  const NextScoring no_repeats = {.rules_weight = 2.0f};
  const Recommender once(embeddings, no_repeats, rules);
  const int32_t c_then_a[] = {2, 0};
  EXPECT_EQ(Rows(once.Continue(Scoring::kNext, c_then_a, 3, nullptr)), (std::vector<int32_t>{1}));
  // With repeats (asked for, or the model's), c comes back. The seeds weigh c 1/3 and a 2/3, so
  // the query is (1, 1/3): b scores 2 + 2 log(1 + 2/3 * 1 + 1/3 * 1/4), c 1 + 2 log(1 + 2/3 * 1);
  // at a repeat weight of 0, c's count term is gone.
  std::vector<Neighbor> found = once.Continue(Scoring::kNext, c_then_a, 3, nullptr, true);
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(found[0].score, 2 + 2 * std::log(1.75), 1e-5);
  EXPECT_NEAR(found[1].score, 1 + 2 * std::log(1 + 2.0 / 3), 1e-5);
  const NextScoring unweighted = {.rules_weight = 2.0f, .repeats = true, .repeat_weight = 0.0f};
  const Recommender repeating(embeddings, unweighted, rules);
  found = repeating.Continue(Scoring::kNext, c_then_a, 3, nullptr);
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{1, 2}));
  EXPECT_NEAR(found[1].score, 1.0, 1e-5);
  EXPECT_EQ(Rows(repeating.Continue(Scoring::kNext, c_then_a, 3, nullptr, false)),
            (std::vector<int32_t>{1}));
  // With a context of 1 only a is a seed (b then scores 2/3 from its output and 2 log 2 from a's
  // rules), and c, of the playlist, still stays out.
  found = once.Continue(Scoring::kNext, c_then_a, 3, nullptr, {}, 1);
  ASSERT_EQ(Rows(found), (std::vector<int32_t>{1}));
  EXPECT_NEAR(found[0].score, 2 + 2 * std::log(2.0), 1e-5);
}

// A model given another next scoring answers as one built with it, whatever the scoring changes
// (but the popularity weight, which it keeps).
TEST(Recommender, AnotherNextScoringAnswersAsAModelBuiltWithIt) {
  Corpus train;
  train.keys = {"a", "b", "c"};
  train.AddPlaylist(std::vector<int32_t>{2, 0, 1, 2, 1});
  train.AddPlaylist(std::vector<int32_t>{2, 0});
  const Embeddings embeddings = ThreeSongs();
  const auto rules = std::make_shared<const SequentialRules>(train, embeddings.vocabulary);
  const NextScoring first = {.popularity_weight = 0.5f, .rules_weight = 2.0f};
  const NextScoring second = {.popularity_weight = 0.5f,
                              .rules_weight = 7.0f,
                              .rules_per_play = true,
                              .rules_by_distance = true,
                              .context_decay = 0.8f,
                              .repeats = true,
                              .repeat_weight = 0.5f};
  const Recommender model(embeddings, first, rules);
  const Recommender rescored = model.WithNextScoring(second);
  const Recommender built(embeddings, second, rules);
  EXPECT_EQ(rescored.next_scoring().rules_weight, 7.0f);
  EXPECT_EQ(model.next_scoring().rules_weight, 2.0f);  // the original keeps its own
  const std::vector<std::vector<int32_t>> playlists = {{0}, {2, 0}, {1, 2, 0}};
  for (const std::vector<int32_t>& playlist : playlists) {
    const std::vector<Neighbor> expected = built.Continue(Scoring::kNext, playlist, 3, nullptr);
    const std::vector<Neighbor> found = rescored.Continue(Scoring::kNext, playlist, 3, nullptr);
    ASSERT_EQ(Rows(found), Rows(expected));
    for (size_t i = 0; i < found.size(); ++i) EXPECT_EQ(found[i].score, expected[i].score);
    // (And the scoring matters: the first model scores them otherwise.)
    EXPECT_NE(model.Continue(Scoring::kNext, playlist, 1, nullptr).front().score,
              found.front().score);
  }
}

TEST(Recommender, WithoutOutputVectorsOnlySimilarIsAvailable) {
  Embeddings embeddings = ThreeSongs();
  embeddings.output = Matrix();
  const Recommender recommender(embeddings, NextScoring{});
  EXPECT_FALSE(recommender.has_next());
  EXPECT_TRUE(Recommender(ThreeSongs(), NextScoring{}).has_next());
}

}  // namespace
}  // namespace songvec
