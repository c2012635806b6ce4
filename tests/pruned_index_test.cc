#include "core/pruned_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/random.h"
#include "core/recommender.h"
#include "core/sequential_rules.h"
#include "core/synthetic.h"
#include "core/trainer.h"

namespace songvec {
namespace {

// The oracle and the index under test over the same rows at one level.
struct Pair {
  Pair(const Matrix& vectors, Similarity similarity, std::vector<float> bias, Isa isa)
      : flat(std::make_shared<const FlatIndex>(vectors, similarity, std::move(bias), isa)),
        pruned(flat) {}
  std::shared_ptr<const FlatIndex> flat;
  PrunedIndex pruned;
};

// PrunedIndex answers exactly what FlatIndex does: the same rows in the same order with the same
// float scores.
void ExpectIdentical(const Pair& pair, const std::vector<float>& query, size_t k,
                     const RowFilter& exclude, const std::vector<Neighbor>& extra,
                     const std::string& where, PrunedIndex::Stats* stats = nullptr) {
  const std::vector<Neighbor> expected = pair.flat->Search(query, k, exclude, extra);
  const std::vector<Neighbor> found = pair.pruned.Search(query, k, exclude, extra, stats);
  ASSERT_EQ(found.size(), expected.size()) << where;
  for (size_t i = 0; i < found.size(); ++i) {
    ASSERT_EQ(found[i].row, expected[i].row) << where << ", rank " << i;
    ASSERT_EQ(found[i].score, expected[i].score) << where << ", rank " << i;
  }
}

TEST(PrunedIndex, IdenticalToFlatOnRandomRowsAtEveryLevel) {
  Random rng(5);
  const int rows = 3000, dim = 24;
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 0.3f;
  for (Isa isa : SupportedIsas()) {
    const Pair dot(vectors, Similarity::kDot, bias, isa),
        cosine(vectors, Similarity::kCosine, {}, isa);
    for (int trial = 0; trial < 8; ++trial) {
      std::vector<float> query(dim);
      for (float& x : query) x = (rng.UniformFloat() - 0.5f) * static_cast<float>(1 + trial % 4);
      std::vector<Neighbor> extra;
      for (auto row = static_cast<int32_t>(rng.Uniform(40)); row < rows;
           row += 1 + static_cast<int32_t>(rng.Uniform(80))) {
        extra.push_back({row, rng.UniformFloat()});
      }
      auto excluded = [](int32_t row) { return row % 7 == 3; };
      for (size_t k : {1u, 10u, 100u, 2000u, 5000u}) {
        const std::string where = std::string(IsaName(isa)) + ", k " + std::to_string(k);
        ExpectIdentical(dot, query, k, excluded, extra, "dot at " + where);
        ExpectIdentical(cosine, query, k, excluded, {}, "cosine at " + where);
      }
    }
  }
}

// Rows shaped like a trained model's: songs in 150 tight groups around a shared offset (SGNS
// vectors share a mean direction), Zipf-like counts, norms that grow with the log of the count,
// the popularity term w * log(count), and for a query the co-occurrence term on a few dozen of the
// seeds' group mates.
struct TrainedShape {
  static constexpr int kRows = 20000, kDim = 32, kGroups = 150;
  TrainedShape() : vectors(kRows, kDim), bias(kRows), group(kRows) {
    Random rng(11);
    Matrix centers(kGroups, kDim);
    for (Eigen::Index i = 0; i < centers.size(); ++i)
      centers.data()[i] = rng.UniformFloat() * 2 - 1;
    for (int r = 0; r < kRows; ++r) {
      group[r] = static_cast<int32_t>(rng.Uniform(kGroups));
      const double count = 1 + 20000.0 / (r + 1);
      const auto length = static_cast<float>(0.5 + 0.3 * std::log(count));
      for (int c = 0; c < kDim; ++c) {
        vectors(r, c) =
            length * (0.3f + 0.2f * centers(group[r], c) + (rng.UniformFloat() - 0.5f) * 0.05f);
      }
      bias[r] = -0.5f * static_cast<float>(std::log(count));
    }
  }
  // The seeds' co-occurrence term, sorted by row, each row once.
  std::vector<Neighbor> Extra(std::span<const int32_t> seeds, Random& rng) const {
    std::vector<float> extra_of(kRows, 0.0f);
    for (int32_t seed : seeds) {
      for (int i = 0; i < 40; ++i) {
        const auto row = static_cast<int32_t>(rng.Uniform(kRows));
        if (group[row] == group[seed] || i < 5) {
          extra_of[row] += 10.0f / static_cast<float>(seeds.size()) *
                           std::log1p(static_cast<float>(1 + rng.Uniform(50)));
        }
      }
    }
    std::vector<Neighbor> extra;
    for (int32_t r = 0; r < kRows; ++r) {
      if (extra_of[r] > 0) extra.push_back({r, extra_of[r]});
    }
    return extra;
  }
  Matrix vectors;
  std::vector<float> bias;
  std::vector<int32_t> group;
};

TEST(PrunedIndex, IdenticalToFlatOnRowsShapedLikeATrainedModelAtEveryLevel) {
  const TrainedShape shape;
  Random rng(12);
  for (Isa isa : SupportedIsas()) {
    const Pair next(shape.vectors, Similarity::kDot, shape.bias, isa);
    const Pair similar(shape.vectors, Similarity::kCosine, {}, isa);
    PrunedIndex::Stats stats;
    for (int trial = 0; trial < 24; ++trial) {
      // One seed or five; the query is their mean, the seeds excluded.
      std::vector<int32_t> seeds(trial % 2 == 0 ? 1 : 5);
      for (int32_t& seed : seeds) seed = static_cast<int32_t>(rng.Uniform(TrainedShape::kRows));
      std::vector<float> query(TrainedShape::kDim, 0.0f);
      for (int32_t seed : seeds) {
        for (int c = 0; c < TrainedShape::kDim; ++c) {
          query[c] += shape.vectors(seed, c) / static_cast<float>(seeds.size());
        }
      }
      auto excluded = [&seeds](int32_t row) {
        return std::find(seeds.begin(), seeds.end(), row) != seeds.end();
      };
      const std::vector<Neighbor> extra = shape.Extra(seeds, rng);
      for (size_t k : {1u, 10u, 100u}) {
        const std::string where = std::string(IsaName(isa)) + ", " + std::to_string(seeds.size()) +
                                  " seeds, k " + std::to_string(k);
        ExpectIdentical(next, query, k, excluded, extra, "next at " + where,
                        k == 10 ? &stats : nullptr);
        ExpectIdentical(similar, query, k, excluded, {}, "similar at " + where);
      }
    }
    // And it prunes: at k 10, a small share of the rows are bounded and fewer scored exactly.
    EXPECT_LT(stats.blocks * QuantizedRows::kBlockRows, 24u * TrainedShape::kRows / 4)
        << IsaName(isa);
    EXPECT_LT(stats.scored, 24u * TrainedShape::kRows / 20) << IsaName(isa);
  }
}

// A popular song's rules give most of a catalog an extra score, nearly all of them tiny: only the
// largest are scored before the blocks are visited, and of the rest only those whose bound plus
// extra still reaches the floor, so that far fewer rows than have an extra score are scored,
// and the answers are still FlatIndex's.
TEST(PrunedIndex, ExtraScoresOnMostRowsAreBoundedBeforeTheyAreScored) {
  const TrainedShape shape;
  Random rng(13);
  for (Isa isa : SupportedIsas()) {
    const Pair next(shape.vectors, Similarity::kDot, shape.bias, isa);
    PrunedIndex::Stats stats;
    size_t extras = 0;
    for (int trial = 0; trial < 8; ++trial) {
      const auto seed = static_cast<int32_t>(rng.Uniform(TrainedShape::kRows));
      std::vector<float> query(TrainedShape::kDim);
      for (int c = 0; c < TrainedShape::kDim; ++c) query[c] = shape.vectors(seed, c);
      // Three rows in five, with 10 log(1 + s) for s falling as 1 / rank^2 (a few large, most
      // tiny); every other trial, extras as large as the scores' spread, so that the best rows
      // are the model's as often as the extras' and many come from the bounded rest.
      std::vector<Neighbor> extra;
      for (int32_t row = 0; row < TrainedShape::kRows; ++row) {
        if (row == seed || rng.Uniform(5) >= 3) continue;
        const double rank = 1 + rng.Uniform(TrainedShape::kRows);
        extra.push_back({row, trial % 2 == 0
                                  ? 10.0f * std::log1p(static_cast<float>(200.0 / (rank * rank)))
                                  : 2.0f * rng.UniformFloat()});
      }
      auto excluded = [seed](int32_t row) { return row == seed || row % 11 == 5; };
      for (size_t k : {1u, 10u, 100u}) {
        const std::string where = std::string(IsaName(isa)) + ", k " + std::to_string(k);
        ExpectIdentical(next, query, k, excluded, extra, "next at " + where,
                        k == 10 ? &stats : nullptr);
      }
      extras += extra.size();
    }
    EXPECT_LT(stats.scored, extras / 10) << IsaName(isa);
  }
}

// Where a block's rows are copies of one row its ball's bound is nearly its rows' score: a row
// whose extra score lifts it into the answer by a hair is bounded, not skipped, and the answers are
// FlatIndex's.
TEST(PrunedIndex, ExtraScoresOfRowsWithTightBoundsAreScoredWhereTheyReach) {
  Random rng(17);
  constexpr int kDistinct = 400, kCopies = 16, kDim = 16;
  Matrix vectors(kDistinct * kCopies, kDim);
  for (int d = 0; d < kDistinct; ++d) {
    Eigen::RowVectorXf row(kDim);
    for (int c = 0; c < kDim; ++c) row[c] = rng.UniformFloat() - 0.5f;
    for (int copy = 0; copy < kCopies; ++copy) vectors.row(d * kCopies + copy) = row;
  }
  for (Isa isa : SupportedIsas()) {
    const Pair next(vectors, Similarity::kDot, {}, isa);
    for (int trial = 0; trial < 8; ++trial) {
      std::vector<float> query(kDim);
      for (float& x : query) x = rng.UniformFloat() - 0.5f;
      std::vector<Neighbor> extra;
      for (int32_t row = 0; row < kDistinct * kCopies; ++row) {
        if (rng.Uniform(4) != 0) extra.push_back({row, 0.05f * rng.UniformFloat()});
      }
      for (size_t k : {1u, 10u, 100u, 500u}) {
        ExpectIdentical(next, query, k, nullptr, extra,
                        std::string(IsaName(isa)) + ", k " + std::to_string(k));
      }
    }
  }
}

// Rows crowded as a million-song model's barely trained songs are: 4 clusters of 4,000 rows, each
// coordinate within 0.05 of a center of length about 1.6, so that a query's 10 best cosines are
// within a few thousandths of its cluster's bulk. The answers are still FlatIndex's, bit for bit,
// and since rows are coded less their blocks' centers the bounds rule out most of the cluster
// (coded as they are, every row of it passed).
TEST(PrunedIndex, IdenticalToFlatAndPrunesWhereThousandsOfRowsCrowdTogether) {
  Random rng(29);
  const int clusters = 4, per_cluster = 4000, rows = clusters * per_cluster, dim = 32;
  Matrix centers(clusters, dim), vectors(rows, dim);
  for (Eigen::Index i = 0; i < centers.size(); ++i) centers.data()[i] = rng.UniformFloat() - 0.5f;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < dim; ++c) {
      vectors(r, c) = centers(r % clusters, c) + 0.1f * (rng.UniformFloat() - 0.5f);
    }
  }
  std::vector<float> bias(rows);
  for (float& b : bias) b = 0.001f * rng.UniformFloat();
  for (Isa isa : SupportedIsas()) {
    const Pair dot(vectors, Similarity::kDot, bias, isa),
        cosine(vectors, Similarity::kCosine, {}, isa);
    PrunedIndex::Stats stats;
    const int trials = 12;
    for (int trial = 0; trial < trials; ++trial) {
      const auto seed = static_cast<int32_t>(rng.Uniform(rows));
      std::vector<float> query(vectors.row(seed).data(), vectors.row(seed).data() + dim);
      auto excluded = [seed](int32_t row) { return row == seed; };
      for (size_t k : {1u, 10u, 100u}) {
        const std::string where = std::string(IsaName(isa)) + ", k " + std::to_string(k);
        ExpectIdentical(dot, query, k, excluded, {}, "dot at " + where);
        ExpectIdentical(cosine, query, k, excluded, {}, "cosine at " + where,
                        k == 10 ? &stats : nullptr);
      }
    }
    EXPECT_LT(stats.scored, trials * per_cluster / 10u) << IsaName(isa);
  }
}

// A model trained on playlists with known structure, searched through the Recommender as the
// server does: every song as the only seed and a few multi-seed queries, both scorings, the
// pruned policy against the flat one.
TEST(PrunedIndex, RecommenderAnswersAsFlatOnATrainedModel) {
  SyntheticOptions options;
  options.genres = 6;
  options.artists_per_genre = 20;
  options.songs_per_artist = 12;
  options.playlists = 3000;
  const SyntheticData data = GenerateSynthetic(options);
  const Vocabulary vocabulary = Vocabulary::Build(data.train, 1);
  TrainOptions train;
  train.dim = 24;
  train.window = 5;
  train.negative = 5;
  train.epochs = 2;
  train.threads = 1;
  Result<Embeddings> embeddings =
      Train(vocabulary.Encode(data.train), vocabulary, train, nullptr, 1.0, nullptr);
  ASSERT_TRUE(embeddings.ok()) << embeddings.status().message();
  const auto rules = std::make_shared<const SequentialRules>(data.train, vocabulary);
  const NextScoring blend = {.popularity_weight = -0.5f, .rules_weight = 10.0f};
  const Recommender flat(*embeddings, blend, rules, IndexPolicy::kFlat);
  const Recommender pruned(*embeddings, blend, rules, IndexPolicy::kPruned);
  ASSERT_STREQ(flat.index(Scoring::kNext).name(), "flat");
  ASSERT_STREQ(pruned.index(Scoring::kNext).name(), "pruned");
  ASSERT_STREQ(pruned.index(Scoring::kSimilar).name(), "pruned");
  Random rng(3);
  for (Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
    for (int32_t row = 0; row < static_cast<int32_t>(flat.size()); ++row) {
      std::vector<int32_t> positive = {row}, negative;
      if (row % 10 == 0) {
        for (int i = 0; i < 4; ++i)
          positive.push_back(static_cast<int32_t>(rng.Uniform(static_cast<uint32_t>(flat.size()))));
        negative.push_back(static_cast<int32_t>(rng.Uniform(static_cast<uint32_t>(flat.size()))));
      }
      auto excluded = [&positive](int32_t r) {
        return std::find(positive.begin(), positive.end(), r) != positive.end();
      };
      const auto expected = flat.Recommend(scoring, positive, negative, 20, excluded);
      const auto found = pruned.Recommend(scoring, positive, negative, 20, excluded);
      ASSERT_EQ(found.size(), expected.size());
      for (size_t i = 0; i < found.size(); ++i) {
        ASSERT_EQ(found[i].row, expected[i].row) << ScoringName(scoring) << " row " << row;
        ASSERT_EQ(found[i].score, expected[i].score) << ScoringName(scoring) << " row " << row;
      }
    }
  }
}

// A layout computed once (at training) and given to the constructor makes the same index: the
// same answers as the FlatIndex's.
TEST(PrunedIndex, AGivenLayoutGivesTheSameAnswers) {
  const TrainedShape shape;
  const auto flat = std::make_shared<const FlatIndex>(shape.vectors, Similarity::kDot, shape.bias);
  const IndexLayout layout = PrunedIndex::Layout(*flat);
  ASSERT_TRUE(PrunedIndex::ValidLayout(layout, TrainedShape::kRows));
  const PrunedIndex given(flat, layout);
  Random rng(8);
  for (int trial = 0; trial < 10; ++trial) {
    const auto seed = static_cast<int32_t>(rng.Uniform(TrainedShape::kRows));
    const std::vector<float> query(shape.vectors.row(seed).data(),
                                   shape.vectors.row(seed).data() + TrainedShape::kDim);
    const std::vector<Neighbor> expected = flat->Search(query, 10, nullptr);
    const std::vector<Neighbor> found = given.Search(query, 10, nullptr);
    ASSERT_EQ(found.size(), expected.size());
    for (size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(found[i].row, expected[i].row);
      EXPECT_EQ(found[i].score, expected[i].score);
    }
  }
}

TEST(PrunedIndex, ValidLayoutsPlaceEveryRowOnceWithPaddingLast) {
  IndexLayout layout(16, -1);
  for (int32_t r = 0; r < 5; ++r) layout[r] = r;
  EXPECT_TRUE(PrunedIndex::ValidLayout(layout, 5));
  EXPECT_FALSE(PrunedIndex::ValidLayout(layout, 6));  // a row missing
  EXPECT_FALSE(PrunedIndex::ValidLayout(layout, 4));  // a row that is not there
  IndexLayout twice = layout;
  twice[4] = 3;
  EXPECT_FALSE(PrunedIndex::ValidLayout(twice, 5));
  IndexLayout gap = layout;
  gap[2] = -1;
  gap[5] = 2;  // padding before a row
  EXPECT_FALSE(PrunedIndex::ValidLayout(gap, 5));
  IndexLayout partial(layout.begin(), layout.begin() + 8);
  EXPECT_FALSE(PrunedIndex::ValidLayout(partial, 5));  // not whole blocks
  IndexLayout empty_block = layout;
  empty_block.insert(empty_block.end(), 16, -1);
  EXPECT_FALSE(PrunedIndex::ValidLayout(empty_block, 5));
  EXPECT_TRUE(PrunedIndex::ValidLayout({}, 0));
}

// Sizes around a block of 16, and none at all; k beyond what is left; everything excluded.
TEST(PrunedIndex, IdenticalToFlatAtTinySizes) {
  Random rng(21);
  for (int rows : {0, 1, 2, 15, 16, 17, 33}) {
    Matrix vectors(rows, 5);
    for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
    std::vector<float> bias(rows, 0.25f);
    for (Isa isa : SupportedIsas()) {
      const Pair dot(vectors, Similarity::kDot, bias, isa),
          cosine(vectors, Similarity::kCosine, {}, isa);
      const std::vector<float> query = {0.3f, -0.2f, 0.1f, 0.5f, -0.4f};
      for (size_t k : {0u, 1u, 5u, 40u}) {
        const std::string where = std::to_string(rows) + " rows at " + IsaName(isa);
        ExpectIdentical(dot, query, k, nullptr, {}, where);
        ExpectIdentical(
            cosine, query, k, [](int32_t row) { return row % 2 == 1; }, {}, where);
        ExpectIdentical(
            dot, query, k, [](int32_t) { return true; }, {}, where);
      }
    }
  }
}

// Many rows with the same score: all of them are candidates, and the lowest rows win.
TEST(PrunedIndex, ManyTiesGoToTheLowerRows) {
  Matrix vectors(2000, 8);
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    for (Eigen::Index c = 0; c < 8; ++c)
      vectors(r, c) = r % 3 == 0 ? 1.0f : 0.1f * static_cast<float>(c + 1);
  }
  for (Isa isa : SupportedIsas()) {
    const Pair dot(vectors, Similarity::kDot, {}, isa);
    std::vector<int32_t> rows;
    for (const Neighbor& n :
         dot.pruned.Search(std::vector<float>(8, 1.0f), 5, [](int32_t row) { return row == 3; }))
      rows.push_back(n.row);
    EXPECT_EQ(rows, (std::vector<int32_t>{0, 6, 9, 12, 15})) << IsaName(isa);
    ExpectIdentical(dot, std::vector<float>(8, 1.0f), 700, nullptr, {}, IsaName(isa));
  }
}

// Regression: an answer kept the capacity of every candidate it scored (1.2 MB for 10 rows where
// the bounds cannot separate crowded scores), and the server's neighbour caches keep answers:
// 2.5 GB after 20 s of similar queries at a million songs.
TEST(PrunedIndex, AnAnswerHoldsOnlyItsRows) {
  Matrix vectors(2000, 8);
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    for (Eigen::Index c = 0; c < 8; ++c)
      vectors(r, c) = r % 3 == 0 ? 1.0f : 0.1f * static_cast<float>(c + 1);
  }
  const Pair dot(vectors, Similarity::kDot, {}, DefaultIsa());
  PrunedIndex::Stats stats;
  const std::vector<Neighbor> found =
      dot.pruned.Search(std::vector<float>(8, 1.0f), 5, nullptr, {}, &stats);
  ASSERT_EQ(found.size(), 5u);
  EXPECT_GT(stats.scored, 600u);  // the 667 tied rows are all scored
  EXPECT_EQ(found.capacity(), found.size());
}

TEST(IndexPolicy, AutoPrunesLargeCatalogsAndNamesRoundTrip) {
  const Matrix small = Matrix::Random(100, 4), large = Matrix::Random(kPrunedMinRows, 4);
  auto flat = [](const Matrix& m, Similarity similarity = Similarity::kDot,
                 Isa isa = DefaultIsa()) {
    return std::make_shared<const FlatIndex>(m, similarity, std::vector<float>{}, isa);
  };
  EXPECT_STREQ(MakeIndex(flat(small), IndexPolicy::kAuto)->name(), "flat");
  EXPECT_STREQ(MakeIndex(flat(large), IndexPolicy::kAuto)->name(), "pruned");
  EXPECT_STREQ(MakeIndex(flat(large), IndexPolicy::kFlat)->name(), "flat");
  EXPECT_STREQ(MakeIndex(flat(small), IndexPolicy::kPruned)->name(), "pruned");
  // Where the bounds are scalar code, cosine rows are scanned and dot rows pruned.
  EXPECT_STREQ(
      MakeIndex(flat(large, Similarity::kCosine, Isa::kVec128), IndexPolicy::kAuto)->name(),
      "flat");
  EXPECT_STREQ(MakeIndex(flat(large, Similarity::kDot, Isa::kVec128), IndexPolicy::kAuto)->name(),
               "pruned");
  EXPECT_STREQ(
      MakeIndex(flat(large, Similarity::kCosine, Isa::kVec128), IndexPolicy::kPruned)->name(),
      "pruned");
  for (IndexPolicy policy :
       {IndexPolicy::kAuto, IndexPolicy::kFlat, IndexPolicy::kPruned, IndexPolicy::kHnsw}) {
    EXPECT_EQ(*ParseIndexPolicy(IndexPolicyName(policy)), policy);
  }
  EXPECT_EQ(ParseIndexPolicy("exact").status().message(),
            "unknown index 'exact' (expected auto, flat, pruned or hnsw)");
}

}  // namespace
}  // namespace songvec
