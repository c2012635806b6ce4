#include "core/flat_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/random.h"

namespace songvec {
namespace {

Matrix RandomMatrix(int rows, int dim, uint64_t seed) {
  Random rng(seed);
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  return vectors;
}

// The naive oracle: every score in double, everything sorted.
std::vector<std::pair<double, int32_t>> NaiveRanking(const Matrix& vectors, Similarity similarity,
                                                     const std::vector<float>& bias,
                                                     const std::vector<float>& query,
                                                     const std::vector<Neighbor>& extra,
                                                     const RowFilter& exclude) {
  double query_norm = 0;
  for (float x : query) query_norm += double{x} * x;
  query_norm = std::sqrt(query_norm);
  std::vector<double> extra_of(static_cast<size_t>(vectors.rows()), 0.0);
  for (const Neighbor& e : extra) extra_of[e.row] += e.score;
  std::vector<std::pair<double, int32_t>> ranked;
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    if (exclude && exclude(static_cast<int32_t>(r))) continue;
    double dot = 0, row_norm = 0;
    for (Eigen::Index c = 0; c < vectors.cols(); ++c) {
      dot += double{vectors(r, c)} * query[c];
      row_norm += double{vectors(r, c)} * vectors(r, c);
    }
    double score = dot;
    if (similarity == Similarity::kCosine) {
      score = row_norm > 0 && query_norm > 0 ? dot / std::sqrt(row_norm) / query_norm : 0.0;
    }
    if (!bias.empty()) score += bias[r];
    ranked.emplace_back(score + extra_of[r], static_cast<int32_t>(r));
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  return ranked;
}

// Search() against the oracle: the i-th result has the i-th best score (to float precision), from
// a row whose exact score it is, each row once, none excluded; and Score() gives the same float.
void ExpectMatchesTheOracle(const FlatIndex& index, const Matrix& vectors, Similarity similarity,
                            const std::vector<float>& bias, const std::vector<float>& query,
                            const std::vector<Neighbor>& extra, const RowFilter& exclude, size_t k,
                            const std::string& where) {
  const auto ranked = NaiveRanking(vectors, similarity, bias, query, extra, exclude);
  std::vector<double> exact(static_cast<size_t>(vectors.rows()), 0.0);
  for (const auto& [score, row] : ranked) exact[row] = score;
  const std::vector<Neighbor> found = index.Search(query, k, exclude, extra);
  ASSERT_EQ(found.size(), std::min(k, ranked.size())) << where;
  const FlatIndex::Query prepared = index.Prepare(query);
  std::set<int32_t> seen;
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_NEAR(found[i].score, ranked[i].first, 1e-5) << where << ", rank " << i;
    EXPECT_NEAR(exact[found[i].row], ranked[i].first, 1e-5) << where << ", row " << found[i].row;
    EXPECT_TRUE(seen.insert(found[i].row).second) << where;
    EXPECT_FALSE(exclude && exclude(found[i].row)) << where;
    float extra_score = 0;
    for (const Neighbor& e : extra) extra_score += e.row == found[i].row ? e.score : 0.0f;
    EXPECT_EQ(found[i].score, index.Score(prepared, found[i].row) + extra_score) << where;
    if (i > 0) {
      EXPECT_TRUE(RanksBefore(found[i - 1], found[i])) << where << ", rank " << i;
    }
  }
}

TEST(FlatIndex, CosineSearchMatchesANaiveSortAtEveryLevel) {
  const Matrix vectors = RandomMatrix(700, 37, 3);  // a dimension that is no multiple of 16
  Random rng(4);
  for (Isa isa : SupportedIsas()) {
    const FlatIndex index(vectors, Similarity::kCosine, {}, isa);
    for (int trial = 0; trial < 10; ++trial) {
      const auto source = static_cast<int32_t>(rng.Uniform(700));
      std::vector<float> query(vectors.row(source).data(), vectors.row(source).data() + 37);
      for (size_t k : {1u, 10u, 699u, 1000u}) {
        ExpectMatchesTheOracle(
            index, vectors, Similarity::kCosine, {}, query, {},
            [source](int32_t row) { return row == source; }, k,
            std::string(IsaName(isa)) + " k " + std::to_string(k));
      }
    }
  }
}

// Next-style scoring: dot product plus a per-row bias plus a sparse extra term.
TEST(FlatIndex, DotWithBiasAndExtraMatchesANaiveSortAtEveryLevel) {
  const int rows = 3000, dim = 24;
  const Matrix vectors = RandomMatrix(rows, dim, 5);
  Random rng(6);
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 0.3f;
  for (Isa isa : SupportedIsas()) {
    const FlatIndex index(vectors, Similarity::kDot, bias, isa);
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<float> query(dim);
      for (float& x : query) x = (rng.UniformFloat() - 0.5f) * static_cast<float>(1 + trial % 4);
      std::vector<Neighbor> extra;
      for (auto row = static_cast<int32_t>(rng.Uniform(40)); row < rows;
           row += 1 + static_cast<int32_t>(rng.Uniform(80))) {
        extra.push_back({row, rng.UniformFloat()});
      }
      for (size_t k : {1u, 10u, 100u, 2000u}) {
        ExpectMatchesTheOracle(
            index, vectors, Similarity::kDot, bias, query, extra,
            [](int32_t row) { return row % 7 == 3; }, k,
            std::string(IsaName(isa)) + " k " + std::to_string(k));
      }
    }
  }
}

// Each level's scores are the scalar level's up to float rounding (summation order, FMA).
TEST(FlatIndex, EveryLevelScoresAsTheScalarOne) {
  const Matrix vectors = RandomMatrix(300, 70, 8);
  const std::vector<float> query(vectors.row(5).data(), vectors.row(5).data() + 70);
  const FlatIndex scalar(vectors, Similarity::kCosine, {}, Isa::kScalar);
  const FlatIndex::Query scalar_query = scalar.Prepare(query);
  for (Isa isa : SupportedIsas()) {
    const FlatIndex index(vectors, Similarity::kCosine, {}, isa);
    const FlatIndex::Query prepared = index.Prepare(query);
    for (int32_t r = 0; r < 300; ++r) {
      EXPECT_NEAR(index.Score(prepared, r), scalar.Score(scalar_query, r), 1e-6)
          << IsaName(isa) << " row " << r;
    }
  }
}

TEST(FlatIndex, ScoresAreCosinesAndTiesGoToTheLowerRow) {
  Matrix vectors(4, 2);
  vectors << 2, 0,  // same direction as row 2
      0, 1,         //
      1, 0,         //
      -1, 0;
  const FlatIndex index(vectors, Similarity::kCosine);
  std::vector<Neighbor> found = index.Search(std::vector<float>{3, 0}, 4, nullptr);
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].row, 0);
  EXPECT_EQ(found[1].row, 2);
  EXPECT_FLOAT_EQ(found[0].score, 1.0f);
  EXPECT_EQ(found[2].row, 1);
  EXPECT_FLOAT_EQ(found[2].score, 0.0f);
  EXPECT_EQ(found[3].row, 3);
  EXPECT_FLOAT_EQ(found[3].score, -1.0f);
  // The rows as held: unit length, zero-padded to the stride.
  EXPECT_EQ(index.stride(), 16);
  EXPECT_FLOAT_EQ(index.row(0)[0], 1.0f);
  EXPECT_EQ(index.rows()(1, 1), 1.0f);
}

TEST(FlatIndex, FilterExcludesRowsAndKCanExceedWhatIsLeft) {
  const FlatIndex index(Matrix::Identity(5, 5), Similarity::kCosine);
  std::vector<int32_t> rows;
  for (const Neighbor& n : index.Search(std::vector<float>{1, 1, 0, 0, 0}, 10,
                                        [](int32_t row) { return row % 2 == 0; }))
    rows.push_back(n.row);
  EXPECT_EQ(rows, (std::vector<int32_t>{1, 3}));
  EXPECT_TRUE(index.Search(std::vector<float>(5, 1.0f), 0, nullptr).empty());
}

}  // namespace
}  // namespace songvec
