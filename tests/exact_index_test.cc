#include "core/exact_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
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

// Checks Search() against an oracle that sums in double, for a dot index.
void ExpectDotSearchMatchesANaiveSort(const ExactIndex& index, const Matrix& vectors,
                                      const std::vector<float>& bias,
                                      const std::vector<float>& query,
                                      const std::vector<Neighbor>& extra, const RowFilter& excluded,
                                      size_t k) {
  const auto rows = static_cast<int32_t>(vectors.rows());
  std::vector<double> score_of(static_cast<size_t>(rows));
  for (int32_t r = 0; r < rows; ++r) {
    score_of[r] = bias.empty() ? 0.0 : bias[r];
    for (Eigen::Index c = 0; c < vectors.cols(); ++c)
      score_of[r] += double{vectors(r, c)} * query[c];
  }
  for (const Neighbor& e : extra) score_of[e.row] += e.score;
  std::vector<double> naive;
  for (int32_t r = 0; r < rows; ++r) {
    if (!excluded(r)) naive.push_back(score_of[r]);
  }
  std::sort(naive.begin(), naive.end(), std::greater<>());
  std::vector<Neighbor> found = index.Search(query, k, excluded, extra);
  ASSERT_EQ(found.size(), std::min(k, naive.size()));
  std::set<int32_t> seen;
  for (size_t i = 0; i < found.size(); ++i) {
    // The i-th best score, from a row that has it (rows whose scores differ by less than float
    // precision may come in either order), each row once and none excluded.
    EXPECT_NEAR(found[i].score, naive[i], 1e-5) << "k " << k << ", rank " << i;
    EXPECT_NEAR(score_of[found[i].row], naive[i], 1e-5) << "row " << found[i].row;
    EXPECT_FALSE(excluded(found[i].row));
    EXPECT_TRUE(seen.insert(found[i].row).second);
  }
}

// Next-style scoring: dot product plus a per-row bias plus a sparse extra term, on enough rows that
// a search goes through the clusters and QuantizedRows' bounds where the CPU has them.
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
    for (size_t k : {1u, 10u, 100u, 2000u}) {
      ExpectDotSearchMatchesANaiveSort(index, vectors, bias, query, extra, excluded, k);
    }
  }
}

// Rows in tight groups around a shared offset, as trained embeddings are: a query near one group
// lets a search skip most clusters, and what it skips must not change the answer.
TEST(ExactIndex, ClusteredRowsMatchANaiveSort) {
  Random rng(11);
  const int rows = 6000, dim = 32, groups = 60;
  Matrix centers(groups, dim);
  for (Eigen::Index i = 0; i < centers.size(); ++i) centers.data()[i] = rng.UniformFloat() * 2 - 1;
  Matrix vectors(rows, dim);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < dim; ++c) {
      vectors(r, c) = 0.3f + 0.2f * centers(r % groups, c) + (rng.UniformFloat() - 0.5f) * 0.04f;
    }
  }
  std::vector<float> bias(rows);
  for (int r = 0; r < rows; ++r) bias[r] = -0.5f * std::log(static_cast<float>(r + 1));
  const ExactIndex index(vectors, Similarity::kDot, bias), cosine(vectors, Similarity::kCosine);
  for (int trial = 0; trial < 40; ++trial) {
    const auto source = static_cast<int32_t>(rng.Uniform(rows));
    std::vector<float> query(vectors.row(source).data(), vectors.row(source).data() + dim);
    std::vector<Neighbor> extra;
    if (trial % 2 == 1) {
      for (int32_t row = static_cast<int32_t>(rng.Uniform(300)); row < rows;
           row += 1 + static_cast<int32_t>(rng.Uniform(600))) {
        extra.push_back({row, rng.UniformFloat() * 3});
      }
    }
    auto excluded = [source](int32_t row) { return row == source; };
    for (size_t k : {1u, 10u, 200u}) {
      ExpectDotSearchMatchesANaiveSort(index, vectors, bias, query, extra, excluded, k);
      if (k > 10) continue;  // deeper, cosines within a group come closer than float precision
      std::vector<int32_t> found;
      for (const Neighbor& n : cosine.Search(query, k, excluded)) found.push_back(n.row);
      EXPECT_EQ(found, NaiveTopK(vectors, query, k, source)) << "cosine, k " << k;
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

// The bounds hold for every row and query, and are tight enough to be useful; padding never passes.
TEST(QuantizedRows, BoundsHoldTheExactScoresClosely) {
  if (!QuantizedRows::Supported()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  Random rng(9);
  const int rows = 1000, dim = 37;  // a dimension that is no multiple of 4
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) {
    vectors.data()[i] = (rng.UniformFloat() - 0.5f) * (i % 5 == 0 ? 20.0f : 1.0f);
  }
  vectors.row(17).setZero();
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 4 - 2;
  // The rows in reverse, with 5 padding positions in the middle and a partial last block.
  std::vector<int32_t> order;
  for (int32_t r = rows - 1; r >= 0; --r) {
    order.push_back(r);
    if (r == 500) order.insert(order.end(), 5, -1);
  }
  const QuantizedRows quantized(vectors, bias, order);
  ASSERT_EQ(quantized.blocks(), (order.size() + 15) / 16);
  const size_t padded = quantized.blocks() * QuantizedRows::kBlockRows;
  std::vector<float> upper(padded), center(padded);
  std::vector<uint16_t> passing(quantized.blocks());
  std::vector<float> best(quantized.blocks());
  // Every block, last first: the results of blocks[j] are at j.
  std::vector<uint32_t> blocks(quantized.blocks());
  std::iota(blocks.rbegin(), blocks.rend(), 0u);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> query(dim);
    for (float& x : query) x = rng.UniformFloat() - 0.5f;
    const float factor = trial % 2 == 0 ? 1.0f : 0.37f;
    const float floor = trial % 3 == 0 ? -std::numeric_limits<float>::infinity() : 0.5f;
    const QuantizedRows::Query prepared = QuantizedRows::Prepare(query, factor);
    quantized.Bounds(prepared, blocks, floor, upper.data(), center.data(), passing.data(),
                     best.data());
    double query_norm = 0;
    for (float x : query) query_norm += double{x} * x;
    query_norm = std::sqrt(query_norm);
    for (size_t p = 0; p < padded; ++p) {
      const size_t j = quantized.blocks() - 1 - p / 16, at = j * 16 + p % 16;
      const bool passes = (passing[j] >> (p % 16)) & 1;
      if (p >= order.size() || order[p] < 0) {
        EXPECT_FALSE(passes) << "padding position " << p;
        continue;
      }
      const int32_t r = order[p];
      double dot = 0;
      for (int c = 0; c < dim; ++c) dot += double{vectors(r, c)} * query[c];
      const double exact = dot * factor + bias[r];
      const double slack = 0.05 * factor * query_norm * vectors.row(r).norm() + 1e-5;
      const float lower = quantized.Lower(prepared, p, center[at]);
      EXPECT_LE(lower, exact) << "row " << r;
      EXPECT_GE(upper[at], exact) << "row " << r;
      EXPECT_GE(lower, exact - slack) << "row " << r;
      EXPECT_LE(upper[at], exact + slack) << "row " << r;
      EXPECT_EQ(passes, upper[at] >= floor) << "row " << r;
    }
    for (size_t j = 0; j < quantized.blocks(); ++j) {
      const size_t b = quantized.blocks() - 1 - j;
      float highest = -std::numeric_limits<float>::infinity();
      for (size_t p = b * 16; p < (b + 1) * 16; ++p) {
        if (p < order.size() && order[p] >= 0) highest = std::max(highest, upper[j * 16 + p % 16]);
      }
      EXPECT_EQ(best[j], highest) << "block " << b;
    }
  }
}

// A QuantizedRows of balls' centers, with their reaches and biases, bounds every member's score.
TEST(QuantizedRows, BallsBoundTheirRowsScores) {
  if (!QuantizedRows::Supported()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  Random rng(13);
  const int rows = 600, dim = 32, members = 12;
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float> bias(rows);
  for (float& b : bias) b = rng.UniformFloat() * 6 - 3;
  const int balls = rows / members;
  Matrix centers(balls, dim);
  std::vector<float> reach(balls), ball_bias(balls);
  Eigen::VectorXf center;
  for (int b = 0; b < balls; ++b) {
    std::vector<int32_t> ball_rows(members);
    std::iota(ball_rows.begin(), ball_rows.end(), b * members);
    const QuantizedRows::Ball ball = QuantizedRows::BallAround(vectors, bias, ball_rows, &center);
    centers.row(b) = center.transpose();
    reach[b] = ball.reach;
    ball_bias[b] = ball.bias;
  }
  std::vector<int32_t> order(balls);
  std::iota(order.begin(), order.end(), 0);
  const QuantizedRows quantized(centers, ball_bias, order, reach);
  std::vector<uint32_t> blocks(quantized.blocks());
  std::iota(blocks.begin(), blocks.end(), 0u);
  std::vector<float> upper(blocks.size() * 16);
  std::vector<uint16_t> passing(blocks.size());
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> query(dim);
    for (float& x : query) x = (rng.UniformFloat() - 0.5f) * 3;
    const float factor = trial % 2 == 0 ? 1.0f : 0.37f;
    quantized.Bounds(QuantizedRows::Prepare(query, factor), blocks, 0.0f, upper.data(), nullptr,
                     passing.data(), nullptr);
    double query_norm = 0;
    for (float x : query) query_norm += double{x} * x;
    query_norm = std::sqrt(query_norm);
    for (int r = 0; r < rows; ++r) {
      double dot = 0;
      for (int c = 0; c < dim; ++c) dot += double{vectors(r, c)} * query[c];
      EXPECT_GE(upper[r / members], dot * factor + bias[r]) << "row " << r;
    }
    // And no looser than the ball itself, but for the codes' rounding.
    for (int b = 0; b < balls; ++b) {
      double dot = 0;
      for (int c = 0; c < dim; ++c) dot += double{centers(b, c)} * query[c];
      const double ball = dot * factor + query_norm * factor * reach[b] + ball_bias[b];
      EXPECT_LE(upper[b], ball + 0.05 * factor * query_norm * centers.row(b).norm() + 1e-4)
          << "ball " << b;
    }
  }
}

}  // namespace
}  // namespace songvec
