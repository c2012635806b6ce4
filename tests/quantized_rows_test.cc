#include "core/quantized_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/random.h"

namespace songvec {
namespace {

// In double, the references the bounds are checked against: ||query|| and row r of `m` . query.
double Norm(const std::vector<float>& query) {
  double sum = 0;
  for (float x : query) sum += double{x} * x;
  return std::sqrt(sum);
}
double Dot(const Matrix& m, int r, const std::vector<float>& query) {
  double dot = 0;
  for (Eigen::Index c = 0; c < m.cols(); ++c) dot += double{m(r, c)} * query[c];
  return dot;
}

// The bounds hold for every row and query, and are tight enough to be useful; padding never passes.
TEST(QuantizedRows, BoundsHoldTheExactScoresClosely) {
  for (Isa isa : SupportedIsas()) {
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
    const QuantizedRows quantized(vectors, bias, order, nullptr, {}, isa);
    ASSERT_EQ(quantized.blocks(), (order.size() + 15) / 16);
    const size_t padded = quantized.blocks() * QuantizedRows::kBlockRows;
    std::vector<float> upper(padded), lower(padded);
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
      const QuantizedRows::Query prepared = quantized.Prepare(query, factor);
      quantized.Bounds(prepared, blocks, floor, upper.data(), lower.data(), passing.data(),
                       best.data());
      const double query_norm = Norm(query);
      for (size_t p = 0; p < padded; ++p) {
        const size_t j = quantized.blocks() - 1 - p / 16, at = j * 16 + p % 16;
        const bool passes = (passing[j] >> (p % 16)) & 1;
        if (p >= order.size() || order[p] < 0) {
          EXPECT_FALSE(passes) << "padding position " << p;
          continue;
        }
        const int32_t r = order[p];
        const double exact = Dot(vectors, r, query) * factor + bias[r];
        const double slack = 0.05 * factor * query_norm * vectors.row(r).norm() + 1e-5;
        EXPECT_LE(lower[at], exact) << IsaName(isa) << " row " << r;
        EXPECT_GE(upper[at], exact) << IsaName(isa) << " row " << r;
        EXPECT_GE(lower[at], exact - slack) << IsaName(isa) << " row " << r;
        EXPECT_LE(upper[at], exact + slack) << IsaName(isa) << " row " << r;
        EXPECT_EQ(passes, upper[at] >= floor) << IsaName(isa) << " row " << r;
      }
      for (size_t j = 0; j < quantized.blocks(); ++j) {
        const size_t b = quantized.blocks() - 1 - j;
        float highest = -std::numeric_limits<float>::infinity();
        for (size_t p = b * 16; p < (b + 1) * 16; ++p) {
          if (p < order.size() && order[p] >= 0)
            highest = std::max(highest, upper[j * 16 + p % 16]);
        }
        EXPECT_EQ(best[j], highest) << "block " << b;
      }
    }
  }
}

// A QuantizedRows of balls' centers, with their reaches and biases, bounds every member's score.
TEST(QuantizedRows, BallsBoundTheirRowsScores) {
  for (Isa isa : SupportedIsas()) {
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
    const QuantizedRows quantized(centers, ball_bias, order, nullptr, reach, isa);
    std::vector<uint32_t> blocks(quantized.blocks());
    std::iota(blocks.begin(), blocks.end(), 0u);
    std::vector<float> upper(blocks.size() * 16);
    std::vector<uint16_t> passing(blocks.size());
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> query(dim);
      for (float& x : query) x = (rng.UniformFloat() - 0.5f) * 3;
      const float factor = trial % 2 == 0 ? 1.0f : 0.37f;
      quantized.Bounds(quantized.Prepare(query, factor), blocks, 0.0f, upper.data(), nullptr,
                       passing.data(), nullptr);
      const double query_norm = Norm(query);
      for (int r = 0; r < rows; ++r) {
        EXPECT_GE(upper[r / members], Dot(vectors, r, query) * factor + bias[r])
            << IsaName(isa) << " row " << r;
      }
      // And no looser than the ball itself, but for the codes' rounding.
      for (int b = 0; b < balls; ++b) {
        const double ball =
            Dot(centers, b, query) * factor + query_norm * factor * reach[b] + ball_bias[b];
        EXPECT_LE(upper[b], ball + 0.05 * factor * query_norm * centers.row(b).norm() + 1e-4)
            << IsaName(isa) << " ball " << b;
      }
    }
  }
}

// Every level's bounds are the scalar code's, bit for bit, for the same prepared query (its
// integer sums are exact and its float steps the same): upper and lower bounds, masks, maxima;
// for rows as they are, with reaches, and coded from their blocks' centers.
TEST(QuantizedRows, EveryLevelsBoundsAreTheScalarOnes) {
  Random rng(17);
  const int rows = 500, dim = 30;
  Matrix vectors(rows, dim);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float> bias(rows), reach(rows);
  for (float& b : bias) b = rng.UniformFloat() * 4 - 2;
  for (float& r : reach) r = rng.UniformFloat();
  std::vector<int32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  order[7] = -1;  // padding inside a block
  Matrix centers = Matrix::Zero((rows + 15) / 16, dim);
  for (int r = 0; r < rows; ++r) centers.row(r / 16) += vectors.row(r) / 16.0f;
  enum Kind { kPlain, kReach, kCenters };
  for (Kind kind : {kPlain, kReach, kCenters}) {
    const std::span<const float> reaches =
        kind == kReach ? std::span<const float>(reach) : std::span<const float>();
    const Matrix* coded_from = kind == kCenters ? &centers : nullptr;
    const QuantizedRows scalar(vectors, bias, order, coded_from, reaches, Isa::kScalar);
    // More blocks than the centers' terms are computed at once, last first.
    std::vector<uint32_t> blocks;
    for (int pass = 0; pass < 3; ++pass) {
      for (uint32_t b = 0; b < scalar.blocks(); ++b) blocks.push_back(b);
    }
    std::reverse(blocks.begin(), blocks.end());
    const size_t n = blocks.size() * QuantizedRows::kBlockRows;
    for (Isa isa : SupportedIsas()) {
      const QuantizedRows level(vectors, bias, order, coded_from, reaches, isa);
      for (int trial = 0; trial < 5; ++trial) {
        std::vector<float> query(dim);
        for (float& x : query) x = (rng.UniformFloat() - 0.5f) * 2;
        const QuantizedRows::Query prepared = level.Prepare(query, trial % 2 == 0 ? 1.0f : 0.6f);
        std::vector<float> upper(n), lower(n), best(blocks.size()), upper0(n), lower0(n),
            best0(blocks.size());
        std::vector<uint16_t> passing(blocks.size()), passing0(blocks.size());
        level.Bounds(prepared, blocks, 0.1f, upper.data(), lower.data(), passing.data(),
                     best.data());
        scalar.Bounds(prepared, blocks, 0.1f, upper0.data(), lower0.data(), passing0.data(),
                      best0.data());
        const std::string where = std::string(IsaName(isa)) + " kind " + std::to_string(kind);
        EXPECT_EQ(upper, upper0) << where;
        EXPECT_EQ(lower, lower0) << where;
        EXPECT_EQ(passing, passing0) << where;
        EXPECT_EQ(best, best0) << where;
        size_t passed = 0;
        for (uint16_t mask : passing) passed += static_cast<size_t>(__builtin_popcount(mask));
        EXPECT_GT(passed, 0u) << where;  // the comparison is not of empty masks
        EXPECT_LT(passed, 3u * rows) << where;
      }
    }
  }
}

// Rows coded less their block's center get bounds that hold and are as much tighter as the rows
// are near it: here rows within 0.02 of centers of length about 3 (a tight cluster, as barely
// trained songs of one genre are), where codes of the rows themselves leave bounds too wide to
// tell them apart.
TEST(QuantizedRows, RowsCodedFromTheirCenterGetBoundsAsTightAsTheyAreNear) {
  for (Isa isa : SupportedIsas()) {
    Random rng(23);
    const int blocks = 40, rows = blocks * 16, dim = 32;
    Matrix centers(blocks, dim), vectors(rows, dim);
    for (Eigen::Index i = 0; i < centers.size(); ++i) centers.data()[i] = rng.UniformFloat() - 0.5f;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < dim; ++c) {
        vectors(r, c) = centers(r / 16, c) + 0.02f * (rng.UniformFloat() - 0.5f);
      }
    }
    std::vector<float> bias(rows);
    for (float& b : bias) b = rng.UniformFloat() - 0.5f;
    std::vector<int32_t> order(rows);
    std::iota(order.begin(), order.end(), 0);
    const QuantizedRows centred(vectors, bias, order, &centers, {}, isa);
    const QuantizedRows plain(vectors, bias, order, nullptr, {}, isa);
    std::vector<uint32_t> all(blocks);
    std::iota(all.begin(), all.end(), 0u);
    std::vector<float> upper(rows), lower(rows), plain_upper(rows), plain_lower(rows);
    std::vector<uint16_t> passing(blocks);
    double width = 0, plain_width = 0;
    for (int trial = 0; trial < 10; ++trial) {
      std::vector<float> query(dim);
      for (float& x : query) x = rng.UniformFloat() - 0.5f;
      const float factor = trial % 2 == 0 ? 1.0f : 0.37f;
      centred.Bounds(centred.Prepare(query, factor), all, 0.0f, upper.data(), lower.data(),
                     passing.data(), nullptr);
      plain.Bounds(plain.Prepare(query, factor), all, 0.0f, plain_upper.data(), plain_lower.data(),
                   passing.data(), nullptr);
      const double query_norm = Norm(query);
      for (int r = 0; r < rows; ++r) {
        const double exact = Dot(vectors, r, query) * factor + bias[r];
        EXPECT_LE(lower[r], exact) << IsaName(isa) << " row " << r;
        EXPECT_GE(upper[r], exact) << IsaName(isa) << " row " << r;
        // Within a few hundredths of the row's distance from its center, plus rounding.
        const double distance = (vectors.row(r) - centers.row(r / 16)).norm();
        EXPECT_LE(upper[r] - lower[r], 0.1 * factor * query_norm * distance + 1e-5)
            << IsaName(isa) << " row " << r;
        width += upper[r] - lower[r];
        plain_width += plain_upper[r] - plain_lower[r];
      }
    }
    EXPECT_LT(width * 10, plain_width) << IsaName(isa);
  }
}

}  // namespace
}  // namespace songvec
