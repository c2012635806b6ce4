#include "core/exact_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

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

}  // namespace
}  // namespace songvec
