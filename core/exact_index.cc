#include "core/exact_index.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <numeric>

namespace songvec {
namespace {

constexpr size_t kBlockRows = QuantizedRows::kBlockRows;
// Bounds are computed at most this many blocks at a time, into buffers that stay in L1.
constexpr size_t kChunkBlocks = 64;
// Rows per cluster on average, and rounds of k-means. Smaller clusters have tighter balls but cost
// more bounds per search: on the yes_complete model's 72,732 output vectors, a 5-seed next query
// reads the codes of 23% of the rows at 128 (35% at 256, 14% at 64) and is fastest at 128.
constexpr size_t kClusterRows = 128;
constexpr int kKMeansRounds = 8;
// Clusters a search visits first, best bound first, before the others in order.
constexpr size_t kFirstVisits = 8;

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
  std::erase_if(members, [](const std::vector<int32_t>& rows) { return rows.empty(); });
  const double margin = QuantizedRows::DotMargin(static_cast<size_t>(dim()));
  centers_.resize(static_cast<Eigen::Index>(members.size()), dim());
  for (const std::vector<int32_t>& rows : members) {
    // The center: the rows' mean (in double, then float, as the bound uses it).
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim());
    for (int32_t r : rows) sum += rows_.row(r).transpose().cast<double>();
    const Eigen::VectorXf center = (sum / static_cast<double>(rows.size())).cast<float>();
    // q . row = q . center + q . (row - center) <= q . center + ||q|| ||row - center||, and both
    // the bound's float dot product and the row's exact score are within margin * ||q|| (||center||
    // + ||row - center||) of the real numbers'.
    double distance = 0;
    float bias = -std::numeric_limits<float>::infinity();
    for (int32_t r : rows) {
      distance = std::max(distance,
                          (rows_.row(r).transpose().cast<double>() - center.cast<double>()).norm());
      bias = std::max(bias, bias_[r]);
    }
    Cluster cluster;
    cluster.first_block = order_.size() / kBlockRows;
    cluster.reach =
        QuantizedRows::RoundUp(distance + margin * (center.cast<double>().norm() + distance));
    cluster.bias_up = QuantizedRows::BiasUp(bias);
    order_.insert(order_.end(), rows.begin(), rows.end());
    order_.resize((order_.size() + kBlockRows - 1) / kBlockRows * kBlockRows, -1);
    cluster.end_block = order_.size() / kBlockRows;
    centers_.row(static_cast<Eigen::Index>(clusters_.size())) = center.transpose();
    clusters_.push_back(cluster);
  }
  quantized_.emplace(rows_, bias_, order_);
}

std::vector<Neighbor> ExactIndex::Search(std::span<const float> query, size_t k,
                                         const RowFilter& exclude,
                                         std::span<const Neighbor> extra) const {
  assert(query.size() == static_cast<size_t>(dim()));
  const Eigen::VectorXf q = Eigen::Map<const Eigen::VectorXf>(query.data(), dim());
  const float norm = q.norm();
  const float factor = similarity_ == Similarity::kCosine && norm > 0 ? 1 / norm : 1.0f;
  if (quantized_) return ScoreBounded(q, norm, factor, k, exclude, extra);
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

std::vector<Neighbor> ExactIndex::ScoreBounded(const Eigen::VectorXf& query, float norm,
                                               float factor, size_t k, const RowFilter& exclude,
                                               std::span<const Neighbor> extra) const {
  if (k == 0) return {};
  // The k best lower bounds of eligible rows so far, the worst on top: `floor`, once there are k,
  // is at most the k-th best exact score, so a row or a cluster whose upper bound is below it
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
  // Rows with an extra score are scored exactly first: they are few, and often the best.
  std::vector<Neighbor> scored;
  for (const Neighbor& e : extra) {
    if (exclude && exclude(e.row)) continue;
    scored.push_back({e.row, Score(query, factor, e.row) + e.score});
    raise_floor(scored.back().score);
  }
  auto has_extra = [extra](int32_t row) {
    return std::binary_search(extra.begin(), extra.end(), Neighbor{row, 0},
                              [](const Neighbor& a, const Neighbor& b) { return a.row < b.row; });
  };

  // Every cluster's bound. The few best clusters are visited first, to raise the floor early; then
  // the others in order, each skipped when its bound is below the floor by then.
  const Eigen::VectorXf center_dots = centers_ * query;
  const float reach_weight = norm * factor * (1 + 1e-4f);
  std::vector<float> bounds(clusters_.size());
  for (size_t c = 0; c < clusters_.size(); ++c) {
    bounds[c] =
        (center_dots[static_cast<Eigen::Index>(c)] * factor + reach_weight * clusters_[c].reach) +
        clusters_[c].bias_up;
  }
  std::vector<size_t> first_visits(clusters_.size());
  std::iota(first_visits.begin(), first_visits.end(), size_t{0});
  const size_t first_count = std::min(kFirstVisits, first_visits.size());
  std::partial_sort(first_visits.begin(), first_visits.begin() + first_count, first_visits.end(),
                    [&bounds](size_t a, size_t b) { return bounds[a] > bounds[b]; });
  first_visits.resize(first_count);

  // The visited clusters' rows that reach the floor are candidates (row and upper bound), pruned
  // as it rises.
  const QuantizedRows::Query prepared =
      quantized_->Prepare({query.data(), static_cast<size_t>(query.size())}, factor);
  std::vector<Neighbor> candidates;
  size_t prune_at = 4 * k + 256;
  float upper[kChunkBlocks * kBlockRows], center[kChunkBlocks * kBlockRows];
  uint16_t passing[kChunkBlocks];
  auto visit = [&](const Cluster& cluster) {
    for (size_t first = cluster.first_block; first < cluster.end_block; first += kChunkBlocks) {
      const size_t last = std::min(first + kChunkBlocks, cluster.end_block);
      quantized_->Bounds(prepared, first, last, floor, upper, center, passing);
      for (size_t j = 0; j < last - first; ++j) {
        for (unsigned mask = passing[j]; mask != 0; mask &= mask - 1) {
          const size_t i = j * kBlockRows + static_cast<size_t>(__builtin_ctz(mask));
          if (upper[i] < floor) continue;
          const size_t position = first * kBlockRows + i;
          const int32_t row = order_[position];
          if (has_extra(row) || (exclude && exclude(row))) continue;
          candidates.push_back({row, upper[i]});
          raise_floor(quantized_->Lower(prepared, position, center[i]));
        }
      }
    }
    if (candidates.size() >= prune_at) {
      std::erase_if(candidates, [floor](const Neighbor& c) { return c.score < floor; });
      prune_at = std::max(prune_at, 2 * candidates.size());
    }
  };
  for (size_t c : first_visits) {
    if (bounds[c] >= floor) visit(clusters_[c]);
    bounds[c] = std::numeric_limits<float>::quiet_NaN();  // visited: NaN >= floor is false
  }
  for (size_t c = 0; c < clusters_.size(); ++c) {
    if (bounds[c] >= floor) visit(clusters_[c]);
  }

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
