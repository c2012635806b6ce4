#include "core/exact_index.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>

namespace songvec {
namespace {

constexpr size_t kBlockRows = QuantizedRows::kBlockRows;
// Blocks per group: the balls of a group's blocks are one block of balls_.
constexpr size_t kGroupBlocks = QuantizedRows::kBlockRows;
// Bounds are computed at most this many blocks at a time, into buffers that stay in L1.
constexpr size_t kChunkBlocks = 64;
// Rows per k-means cluster on average, and rounds of k-means: the clusters are split into blocks.
constexpr size_t kClusterRows = 128;
constexpr int kKMeansRounds = 8;
// Groups a search visits first, best ball first, before the others in order.
constexpr size_t kFirstVisits = 16;
// How many rows ahead of its exact scoring a row with an extra score is fetched.
constexpr size_t kFetchAhead = 8;
// Rounds of power iteration for a principal axis when a cluster's rows are split into blocks.
constexpr int kPowerRounds = 10;

// Lloyd's k-means from `clusters` rows spread evenly over the matrix (so deterministic): each row's
// cluster. A cluster may end up empty.
std::vector<int32_t> KMeans(const Matrix& rows, size_t clusters) {
  const Eigen::Index n = rows.rows(), k = static_cast<Eigen::Index>(clusters);
  Matrix centers(k, rows.cols());
  for (Eigen::Index c = 0; c < k; ++c) centers.row(c) = rows.row(c * n / k);
  std::vector<int32_t> cluster_of(static_cast<size_t>(n), 0);
  constexpr Eigen::Index kBatch = 1024;
  for (int round = 0;; ++round) {
    // The nearest center: the largest row . center - ||center||^2 / 2.
    const Eigen::VectorXf half_norms = 0.5f * centers.rowwise().squaredNorm();
    for (Eigen::Index first = 0; first < n; first += kBatch) {
      const Eigen::Index count = std::min(kBatch, n - first);
      const Eigen::MatrixXf dots = centers * rows.middleRows(first, count).transpose();
      for (Eigen::Index j = 0; j < count; ++j) {
        Eigen::Index best = 0;
        (dots.col(j) - half_norms).maxCoeff(&best);
        cluster_of[static_cast<size_t>(first + j)] = static_cast<int32_t>(best);
      }
    }
    if (round + 1 == kKMeansRounds) return cluster_of;
    // Each center moves to the mean of its rows; an empty cluster's stays.
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, rows.cols());
    std::vector<size_t> counts(clusters, 0);
    for (Eigen::Index r = 0; r < n; ++r) {
      const int32_t c = cluster_of[static_cast<size_t>(r)];
      sums.row(c) += rows.row(r).cast<double>();
      ++counts[static_cast<size_t>(c)];
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      if (counts[c] > 0)
        centers.row(c) = (sums.row(c) / static_cast<double>(counts[c])).cast<float>();
    }
  }
}

// Orders `rows` so that each run of kBlockRows of them from the front lies close together: sorted
// along their principal axis and split at the block boundary nearest the middle, and each half the
// same way.
void OrderForBlocks(const Matrix& vectors, std::span<int32_t> rows) {
  if (rows.size() <= kBlockRows) return;
  Eigen::MatrixXd centered(static_cast<Eigen::Index>(rows.size()), vectors.cols());
  for (size_t i = 0; i < rows.size(); ++i) {
    centered.row(static_cast<Eigen::Index>(i)) = vectors.row(rows[i]).cast<double>();
  }
  centered.rowwise() -= centered.colwise().mean();
  // Power iteration on the covariance from a fixed start, so the order is deterministic.
  Eigen::VectorXd axis = Eigen::VectorXd::Ones(vectors.cols());
  for (int round = 0; round < kPowerRounds; ++round) {
    axis = centered.transpose() * (centered * axis);
    const double norm = axis.norm();
    if (norm == 0) break;
    axis /= norm;
  }
  const Eigen::VectorXd projection = centered * axis;
  std::vector<size_t> by_projection(rows.size());
  std::iota(by_projection.begin(), by_projection.end(), size_t{0});
  std::stable_sort(by_projection.begin(), by_projection.end(), [&projection](size_t a, size_t b) {
    return projection[static_cast<Eigen::Index>(a)] < projection[static_cast<Eigen::Index>(b)];
  });
  std::vector<int32_t> sorted(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) sorted[i] = rows[by_projection[i]];
  std::copy(sorted.begin(), sorted.end(), rows.begin());
  const size_t half = (rows.size() + 2 * kBlockRows - 1) / (2 * kBlockRows) * kBlockRows;
  OrderForBlocks(vectors, rows.first(half));
  OrderForBlocks(vectors, rows.subspan(half));
}

// True when a ranks before b.
bool Better(const Neighbor& a, const Neighbor& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// The `k` best of `scores` (one per row): higher score first, ties to the lower row, skipping
// excluded rows.
std::vector<Neighbor> TopK(std::span<const float> scores, size_t k, const RowFilter& exclude) {
  // A heap of the best k so far with the worst on top: most rows lose against the top and cost one
  // comparison, so this is O(n + k log k log n) in practice.
  std::vector<Neighbor> heap;
  if (k == 0) return heap;
  heap.reserve(k + 1);
  for (size_t r = 0; r < scores.size(); ++r) {
    Neighbor candidate{static_cast<int32_t>(r), scores[r]};
    if (heap.size() == k && !Better(candidate, heap.front())) continue;
    if (exclude && exclude(candidate.row)) continue;
    heap.push_back(candidate);
    std::push_heap(heap.begin(), heap.end(), Better);
    if (heap.size() > k) {
      std::pop_heap(heap.begin(), heap.end(), Better);
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), Better);
  return heap;
}

}  // namespace

ExactIndex::ExactIndex(const Matrix& vectors, Similarity similarity, std::vector<float> bias)
    : similarity_(similarity), rows_(vectors), bias_(std::move(bias)) {
  assert(bias_.empty() || (similarity == Similarity::kDot && bias_.size() == size()));
  if (similarity == Similarity::kCosine) {
    for (Eigen::Index r = 0; r < rows_.rows(); ++r) {
      const float norm = rows_.row(r).norm();
      if (norm > 0) rows_.row(r) /= norm;
    }
  }
  bias_.resize(size(), 0.0f);
  if (QuantizedRows::Supported() && size() > 0) Partition();
}

void ExactIndex::Partition() {
  const size_t clusters = (size() + kClusterRows - 1) / kClusterRows;
  const std::vector<int32_t> cluster_of = KMeans(rows_, clusters);
  std::vector<std::vector<int32_t>> members(clusters);
  for (size_t r = 0; r < size(); ++r) members[cluster_of[r]].push_back(static_cast<int32_t>(r));
  for (std::vector<int32_t>& rows : members) {
    if (rows.empty()) continue;
    OrderForBlocks(rows_, rows);
    order_.insert(order_.end(), rows.begin(), rows.end());
    order_.resize((order_.size() + kBlockRows - 1) / kBlockRows * kBlockRows, -1);
  }
  quantized_.emplace(rows_, bias_, order_);
  // Every block holds rows of one cluster, then padding.
  const size_t blocks = order_.size() / kBlockRows;
  Matrix centers(static_cast<Eigen::Index>(blocks), dim());
  std::vector<float> reach(blocks), bias(blocks);
  Eigen::VectorXf center;
  for (size_t b = 0; b < blocks; ++b) {
    const auto begin = order_.begin() + static_cast<std::ptrdiff_t>(b * kBlockRows);
    const std::span<const int32_t> rows(begin, std::find(begin, begin + kBlockRows, -1));
    const QuantizedRows::Ball ball = QuantizedRows::BallAround(rows_, bias_, rows, &center);
    centers.row(static_cast<Eigen::Index>(b)) = center.transpose();
    reach[b] = ball.reach;
    bias[b] = ball.bias;
  }
  std::vector<int32_t> identity(blocks);
  std::iota(identity.begin(), identity.end(), 0);
  balls_.emplace(centers, bias, identity, reach);
}

std::vector<Neighbor> ExactIndex::Search(std::span<const float> query, size_t k,
                                         const RowFilter& exclude,
                                         std::span<const Neighbor> extra) const {
  assert(query.size() == static_cast<size_t>(dim()));
  const Eigen::VectorXf q = Eigen::Map<const Eigen::VectorXf>(query.data(), dim());
  const float norm = q.norm();
  const float factor = similarity_ == Similarity::kCosine && norm > 0 ? 1 / norm : 1.0f;
  if (quantized_) return ScoreBounded(q, factor, k, exclude, extra);
  return ScoreAll(q, factor, k, exclude, extra);
}

std::vector<Neighbor> ExactIndex::ScoreAll(const Eigen::VectorXf& query, float factor, size_t k,
                                           const RowFilter& exclude,
                                           std::span<const Neighbor> extra) const {
  Eigen::VectorXf scores = rows_ * query;
  for (size_t r = 0; r < size(); ++r) scores[r] = scores[r] * factor + bias_[r];
  for (const Neighbor& e : extra) scores[e.row] += e.score;
  return TopK({scores.data(), size()}, k, exclude);
}

std::vector<Neighbor> ExactIndex::ScoreBounded(const Eigen::VectorXf& query, float factor, size_t k,
                                               const RowFilter& exclude,
                                               std::span<const Neighbor> extra) const {
  if (k == 0) return {};
  // The k best lower bounds of eligible rows so far, the worst on top: `floor`, once there are k,
  // is at most the k-th best exact score, so a row or a block whose upper bound is below it
  // cannot be among the k best.
  std::vector<float> lows;
  lows.reserve(k + 1);
  float floor = -std::numeric_limits<float>::infinity();
  auto raise_floor = [&](float low) {
    if (lows.size() == k && low <= lows.front()) return;
    lows.push_back(low);
    std::push_heap(lows.begin(), lows.end(), std::greater<>());
    if (lows.size() > k) {
      std::pop_heap(lows.begin(), lows.end(), std::greater<>());
      lows.pop_back();
    }
    if (lows.size() == k) floor = lows.front();
  };
  // Rows with an extra score are scored exactly first: they are few, and often the best. Each
  // one's row is fetched from memory a few rows ahead of its scoring.
  auto fetch = [this](int32_t row) {
    const float* data = rows_.data() + static_cast<size_t>(row) * rows_.cols();
    for (Eigen::Index d = 0; d < rows_.cols(); d += 16) __builtin_prefetch(data + d);
    __builtin_prefetch(&bias_[row]);
  };
  for (size_t i = 0; i < std::min(kFetchAhead, extra.size()); ++i) fetch(extra[i].row);
  std::vector<Neighbor> scored;
  scored.reserve(extra.size() + k);
  for (size_t i = 0; i < extra.size(); ++i) {
    if (i + kFetchAhead < extra.size()) fetch(extra[i + kFetchAhead].row);
    const Neighbor& e = extra[i];
    if (exclude && exclude(e.row)) continue;
    scored.push_back({e.row, Score(query, factor, e.row) + e.score});
    raise_floor(scored.back().score);
  }
  auto has_extra = [extra](int32_t row) {
    return std::binary_search(extra.begin(), extra.end(), Neighbor{row, 0},
                              [](const Neighbor& a, const Neighbor& b) { return a.row < b.row; });
  };

  // Every block's ball's bound, the groups' masks of blocks whose balls reach the floor, and each
  // group's best ball. The blocks of the few groups with the best balls are visited first, to
  // raise the floor early; then those of all other groups, each group and block skipped when its
  // ball is below the floor by then.
  const QuantizedRows::Query prepared =
      QuantizedRows::Prepare({query.data(), static_cast<size_t>(query.size())}, factor);
  const size_t groups = balls_->blocks();
  std::vector<uint32_t> all_groups(groups);
  std::iota(all_groups.begin(), all_groups.end(), 0u);
  const auto ball_bounds = std::make_unique_for_overwrite<float[]>(groups * kGroupBlocks);
  std::vector<uint16_t> reaching(groups);
  std::vector<float> best(groups);
  balls_->Bounds(prepared, all_groups, floor, ball_bounds.get(), nullptr, reaching.data(),
                 best.data());
  const size_t first_count = std::min(kFirstVisits, groups);
  std::partial_sort(all_groups.begin(), all_groups.begin() + first_count, all_groups.end(),
                    [&best](uint32_t a, uint32_t b) { return best[a] > best[b]; });

  // The visited blocks' rows that reach the floor are candidates (row and upper bound), pruned as
  // it rises.
  std::vector<Neighbor> candidates;
  size_t prune_at = 4 * k + 256;
  float upper[kChunkBlocks * kBlockRows], center[kChunkBlocks * kBlockRows];
  uint16_t passing[kChunkBlocks];
  auto visit = [&](std::span<const uint32_t> visits) {
    for (size_t first = 0; first < visits.size(); first += kChunkBlocks) {
      const auto chunk = visits.subspan(first, std::min(kChunkBlocks, visits.size() - first));
      quantized_->Bounds(prepared, chunk, floor, upper, center, passing, nullptr);
      for (size_t j = 0; j < chunk.size(); ++j) {
        for (unsigned mask = passing[j]; mask != 0; mask &= mask - 1) {
          const auto slot = static_cast<size_t>(__builtin_ctz(mask));
          const size_t i = j * kBlockRows + slot;
          if (upper[i] < floor) continue;
          const size_t position = chunk[j] * kBlockRows + slot;
          const int32_t row = order_[position];
          if (has_extra(row) || (exclude && exclude(row))) continue;
          candidates.push_back({row, upper[i]});
          raise_floor(quantized_->Lower(prepared, position, center[i]));
        }
      }
      if (candidates.size() >= prune_at) {
        std::erase_if(candidates, [floor](const Neighbor& c) { return c.score < floor; });
        prune_at = std::max(prune_at, 2 * candidates.size());
      }
    }
  };
  // The blocks of `group` whose balls still reach the floor, appended to `visits`; the group is
  // not visited again.
  std::vector<uint32_t> visits;
  auto add_visits = [&](size_t group) {
    for (unsigned mask = reaching[group]; mask != 0; mask &= mask - 1) {
      const size_t b = group * kGroupBlocks + static_cast<size_t>(__builtin_ctz(mask));
      if (ball_bounds[b] >= floor) visits.push_back(static_cast<uint32_t>(b));
    }
    reaching[group] = 0;
  };
  for (size_t i = 0; i < first_count; ++i) add_visits(all_groups[i]);
  visit(visits);
  visits.clear();
  for (size_t g = 0; g < groups; ++g) {
    if (best[g] >= floor) add_visits(g);
  }
  visit(visits);

  // The candidates still in reach, scored exactly, with the rows with an extra score.
  for (const Neighbor& c : candidates) {
    if (c.score >= floor) scored.push_back({c.row, Score(query, factor, c.row)});
  }
  const size_t n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    Better);
  scored.resize(n);
  return scored;
}

}  // namespace songvec
