#include "core/exact_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "core/quantized_rows.h"
#include "core/random.h"

namespace songvec {
namespace {

// The naive oracle: score every row, sort everything.
std::vector<int32_t> NaiveTopK(const Matrix& vectors, const std::vector<float>& query, size_t k,
                               int32_t excluded) {
  std::vector<std::pair<double, int32_t>> scored;
  double qn = 0;
  for (float x : query) qn += double{x} * x;
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    if (r == excluded) continue;
    double dot = 0, rn = 0;
    for (Eigen::Index c = 0; c < vectors.cols(); ++c) {
      dot += double{vectors(r, c)} * query[c];
      rn += double{vectors(r, c)} * vectors(r, c);
    }
    scored.emplace_back(rn > 0 ? dot / std::sqrt(rn * qn) : 0.0, static_cast<int32_t>(r));
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<int32_t> rows;
  for (size_t i = 0; i < std::min(k, scored.size()); ++i) rows.push_back(scored[i].second);
  return rows;
}

TEST(ExactIndex, TopKMatchesANaiveSortOnRandomVectors) {
  Random rng(3);
  Matrix vectors(500, 16);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  const ExactIndex index(vectors, Similarity::kCosine);
  for (int trial = 0; trial < 20; ++trial) {
    const auto source = static_cast<int32_t>(rng.Uniform(500));
    std::vector<float> query(vectors.row(source).data(), vectors.row(source).data() + 16);
    for (size_t k : {1u, 10u, 499u, 1000u}) {
      std::vector<Neighbor> found =
          index.Search(query, k, [source](int32_t row) { return row == source; });
      std::vector<int32_t> rows;
      for (const Neighbor& n : found) rows.push_back(n.row);
      EXPECT_EQ(rows, NaiveTopK(vectors, query, k, source)) << "k " << k;
      for (size_t i = 1; i < found.size(); ++i) EXPECT_GE(found[i - 1].score, found[i].score);
    }
  }
}

TEST(ExactIndex, ScoresAreCosinesAndTiesGoToTheLowerRow) {
  Matrix vectors(4, 2);
  vectors << 2, 0,  // same direction as row 2
      0, 1,         //
      1, 0,         //
      -1, 0;
  const ExactIndex index(vectors, Similarity::kCosine);
  std::vector<Neighbor> found = index.Search(std::vector<float>{3, 0}, 4, nullptr);
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].row, 0);
  EXPECT_EQ(found[1].row, 2);
  EXPECT_FLOAT_EQ(found[0].score, 1.0f);
  EXPECT_EQ(found[2].row, 1);
  EXPECT_FLOAT_EQ(found[2].score, 0.0f);
  EXPECT_EQ(found[3].row, 3);
  EXPECT_FLOAT_EQ(found[3].score, -1.0f);
}

TEST(ExactIndex, FilterExcludesRowsAndKCanExceedWhatIsLeft) {
  Matrix vectors = Matrix::Identity(5, 5);
  const ExactIndex index(vectors, Similarity::kCosine);
  std::vector<Neighbor> found =
      index.Search(std::vector<float>{1, 1, 0, 0, 0}, 10, [](int32_t row) { return row % 2 == 0; });
  std::vector<int32_t> rows;
  for (const Neighbor& n : found) rows.push_back(n.row);
  EXPECT_EQ(rows, (std::vector<int32_t>{1, 3}));
}

// Next-style scoring: dot product plus a per-row bias plus a sparse extra term, on enough rows that
// a search goes through QuantizedRows' bounds where the CPU has them; the oracle sums in double.
TEST(ExactIndex, DotWithBiasAndExtraMatchesANaiveSort) {
  Random rng(5);
  const int rows = 3000, dim = 24;
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 0.3f;
  const ExactIndex index(vectors, Similarity::kDot, bias);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<float> query(dim);
    for (float& x : query) x = (rng.UniformFloat() - 0.5f) * static_cast<float>(1 + trial % 4);
    std::vector<Neighbor> extra;
    for (int32_t row = static_cast<int32_t>(rng.Uniform(40)); row < rows;
         row += 1 + static_cast<int32_t>(rng.Uniform(80))) {
      extra.push_back({row, rng.UniformFloat()});
    }
    auto excluded = [](int32_t row) { return row % 7 == 3; };
    std::vector<std::pair<double, int32_t>> naive;
    for (int32_t r = 0; r < rows; ++r) {
      if (excluded(r)) continue;
      double score = bias[r];
      for (int c = 0; c < dim; ++c) score += double{vectors(r, c)} * query[c];
      naive.emplace_back(score, r);
    }
    for (const Neighbor& e : extra) {
      for (auto& [score, r] : naive) {
        if (r == e.row) score += e.score;
      }
    }
    std::vector<double> score_of(rows);
    for (const auto& [score, r] : naive) score_of[r] = score;
    std::sort(naive.begin(), naive.end(), [](const auto& a, const auto& b) { return a > b; });
    for (size_t k : {1u, 10u, 100u, 2000u}) {
      std::vector<Neighbor> found = index.Search(query, k, excluded, extra);
      ASSERT_EQ(found.size(), std::min<size_t>(k, naive.size()));
      std::set<int32_t> seen;
      for (size_t i = 0; i < found.size(); ++i) {
        // The i-th best score, from a row that has it (rows whose scores differ by less than float
        // precision may come in either order), each row once and none excluded.
        EXPECT_NEAR(found[i].score, naive[i].first, 1e-5) << "trial " << trial << ", k " << k;
        EXPECT_NEAR(score_of[found[i].row], naive[i].first, 1e-5) << "row " << found[i].row;
        EXPECT_FALSE(excluded(found[i].row));
        EXPECT_TRUE(seen.insert(found[i].row).second);
      }
    }
  }
}

// Many rows with the same score: all of them are candidates, and the lowest rows win.
TEST(ExactIndex, ManyTiesGoToTheLowerRows) {
  Matrix vectors(2000, 8);
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    for (Eigen::Index c = 0; c < 8; ++c)
      vectors(r, c) = r % 3 == 0 ? 1.0f : 0.1f * static_cast<float>(c + 1);
  }
  const ExactIndex index(vectors, Similarity::kDot);
  std::vector<Neighbor> found =
      index.Search(std::vector<float>(8, 1.0f), 5, [](int32_t row) { return row == 3; });
  std::vector<int32_t> rows;
  for (const Neighbor& n : found) rows.push_back(n.row);
  EXPECT_EQ(rows, (std::vector<int32_t>{0, 6, 9, 12, 15}));
}

// The bounds hold for every row and query, and are tight enough to be useful.
TEST(QuantizedRows, BoundsHoldTheExactScoresClosely) {
  if (!QuantizedRows::Supported()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  Random rng(9);
  const int rows = 1000, dim = 37;  // a dimension that is no multiple of 4, a partial last block
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) {
    vectors.data()[i] = (rng.UniformFloat() - 0.5f) * (i % 5 == 0 ? 20.0f : 1.0f);
  }
  vectors.row(17).setZero();
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 4 - 2;
  const QuantizedRows quantized(vectors, bias);
  const size_t padded = quantized.blocks() * QuantizedRows::kBlockRows;
  std::vector<float> upper(padded), center(padded);
  std::vector<uint16_t> passing(quantized.blocks());
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> query(dim);
    for (float& x : query) x = rng.UniformFloat() - 0.5f;
    const float factor = trial % 2 == 0 ? 1.0f : 0.37f;
    const float floor = trial % 3 == 0 ? -std::numeric_limits<float>::infinity() : 0.5f;
    const QuantizedRows::Query prepared = quantized.Prepare(query, factor);
    quantized.Bounds(prepared, 0, quantized.blocks(), floor, upper.data(), center.data(),
                     passing.data());
    double query_norm = 0;
    for (float x : query) query_norm += double{x} * x;
    query_norm = std::sqrt(query_norm);
    for (int r = 0; r < rows; ++r) {
      double dot = 0;
      for (int c = 0; c < dim; ++c) dot += double{vectors(r, c)} * query[c];
      const double exact = dot * factor + bias[r];
      const double slack = 0.05 * factor * query_norm * vectors.row(r).norm() + 1e-5;
      const float lower = quantized.Lower(prepared, static_cast<size_t>(r), center[r]);
      EXPECT_LE(lower, exact) << "row " << r;
      EXPECT_GE(upper[r], exact) << "row " << r;
      EXPECT_GE(lower, exact - slack) << "row " << r;
      EXPECT_LE(upper[r], exact + slack) << "row " << r;
      const bool passes = (passing[r / 16] >> (r % 16)) & 1;
      EXPECT_EQ(passes, upper[r] >= floor) << "row " << r;
    }
    // Padding rows never pass.
    EXPECT_EQ(passing.back() >> (rows % 16), 0);
  }
}

}  // namespace
}  // namespace songvec
