#include "core/pruned_index.h"

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
// Rows per k-means cluster on average, up to kMaxClusters clusters (a cluster of any size is split
// into blocks along its principal axes); rounds of k-means, fit on at most kSampleRows rows per
// cluster. So a million rows cost seconds, not the hours of n^2 / 128 distances per round.
constexpr size_t kClusterRows = 128;
constexpr size_t kMaxClusters = 1024;
constexpr size_t kSampleRows = 128;
constexpr int kKMeansRounds = 8;
// Groups a search visits first, best ball first, before the others in order.
constexpr size_t kFirstVisits = 16;
// How many rows ahead of its exact scoring a row is fetched.
constexpr size_t kFetchAhead = 8;
// Rows with the largest extra scores scored before the blocks are visited, beyond k.
constexpr size_t kFirstExtras = 64;
// Rounds of power iteration for a principal axis when a cluster's rows are split into blocks.
constexpr int kPowerRounds = 10;

// The nearest of `centers` to each row of `rows`: the largest row . center - ||center||^2 / 2.
void Assign(const MatrixRef& rows, const Matrix& centers, std::vector<int32_t>* cluster_of) {
  const Eigen::VectorXf half_norms = 0.5f * centers.rowwise().squaredNorm();
  constexpr Eigen::Index kBatch = 1024;
  for (Eigen::Index first = 0; first < rows.rows(); first += kBatch) {
    const Eigen::Index count = std::min(kBatch, rows.rows() - first);
    const Eigen::MatrixXf dots = centers * rows.middleRows(first, count).transpose();
    for (Eigen::Index j = 0; j < count; ++j) {
      Eigen::Index best = 0;
      (dots.col(j) - half_norms).maxCoeff(&best);
      (*cluster_of)[static_cast<size_t>(first + j)] = static_cast<int32_t>(best);
    }
  }
}

// Lloyd's k-means from `clusters` rows spread evenly over the matrix (so deterministic): each row's
// cluster. A cluster may end up empty. The centers are fit on at most kSampleRows per cluster,
// spread evenly (rows are in order of popularity, so the sample has every popularity), and then
// every row goes to its nearest center: the cost grows as rows times clusters.
std::vector<int32_t> KMeans(const MatrixRef& rows, size_t clusters) {
  const Eigen::Index n = rows.rows(), k = static_cast<Eigen::Index>(clusters);
  const Eigen::Index samples =
      std::min<Eigen::Index>(n, k * static_cast<Eigen::Index>(kSampleRows));
  Matrix sample(samples, rows.cols());
  for (Eigen::Index i = 0; i < samples; ++i) sample.row(i) = rows.row(i * n / samples);
  Matrix centers(k, rows.cols());
  for (Eigen::Index c = 0; c < k; ++c) centers.row(c) = sample.row(c * samples / k);
  std::vector<int32_t> cluster_of(static_cast<size_t>(samples), 0);
  for (int round = 0; round < kKMeansRounds; ++round) {
    Assign(sample, centers, &cluster_of);
    if (round + 1 == kKMeansRounds) break;
    // Each center moves to the mean of its rows; an empty cluster's stays.
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, rows.cols());
    std::vector<size_t> counts(clusters, 0);
    for (Eigen::Index r = 0; r < samples; ++r) {
      const int32_t c = cluster_of[static_cast<size_t>(r)];
      sums.row(c) += sample.row(r).cast<double>();
      ++counts[static_cast<size_t>(c)];
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      if (counts[c] > 0)
        centers.row(c) = (sums.row(c) / static_cast<double>(counts[c])).cast<float>();
    }
  }
  if (samples == n) return cluster_of;
  cluster_of.assign(static_cast<size_t>(n), 0);
  Assign(rows, centers, &cluster_of);
  return cluster_of;
}

// Orders `rows` so that each run of kBlockRows of them from the front lies close together: sorted
// along their principal axis and split at the block boundary nearest the middle, and each half the
// same way.
void OrderForBlocks(const MatrixRef& vectors, std::span<int32_t> rows) {
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

}  // namespace

IndexLayout PrunedIndex::Layout(const FlatIndex& flat) {
  IndexLayout layout;
  if (flat.size() == 0) return layout;
  const RowsView rows = flat.rows();
  const size_t clusters = std::min(kMaxClusters, (flat.size() + kClusterRows - 1) / kClusterRows);
  const std::vector<int32_t> cluster_of = KMeans(rows, clusters);
  std::vector<std::vector<int32_t>> members(clusters);
  for (size_t r = 0; r < flat.size(); ++r) {
    members[cluster_of[r]].push_back(static_cast<int32_t>(r));
  }
  for (std::vector<int32_t>& cluster : members) {
    if (cluster.empty()) continue;
    OrderForBlocks(rows, cluster);
    layout.insert(layout.end(), cluster.begin(), cluster.end());
    layout.resize((layout.size() + kBlockRows - 1) / kBlockRows * kBlockRows, -1);
  }
  return layout;
}

bool PrunedIndex::ValidLayout(std::span<const int32_t> layout, size_t rows) {
  if (layout.size() % kBlockRows != 0 || (rows > 0 && layout.empty())) return false;
  std::vector<bool> seen(rows, false);
  size_t placed = 0;
  for (size_t p = 0; p < layout.size(); ++p) {
    const int32_t row = layout[p];
    if (row < 0) {
      // Padding: the rest of its block, never its first position.
      if (p % kBlockRows == 0 || (p % kBlockRows != kBlockRows - 1 && layout[p + 1] >= 0)) {
        return false;
      }
      continue;
    }
    if (static_cast<size_t>(row) >= rows || seen[row]) return false;
    seen[row] = true;
    ++placed;
  }
  return placed == rows;
}

PrunedIndex::PrunedIndex(std::shared_ptr<const FlatIndex> flat, IndexLayout layout)
    : flat_(std::move(flat)), order_(std::move(layout)) {
  if (size() == 0) return;
  if (order_.empty()) order_ = Layout(*flat_);
  assert(ValidLayout(order_, size()));
  const RowsView rows = flat_->rows();
  const std::span<const float> bias = flat_->bias();
  // Every block holds rows of one cluster, then padding; its ball is centered on their mean, and
  // they are coded less it.
  const size_t blocks = order_.size() / kBlockRows;
  Matrix centers(static_cast<Eigen::Index>(blocks), dim());
  std::vector<float> reach(blocks), ball_bias(blocks);
  Eigen::VectorXf center;
  for (size_t b = 0; b < blocks; ++b) {
    const auto begin = order_.begin() + static_cast<std::ptrdiff_t>(b * kBlockRows);
    const std::span<const int32_t> block(begin, std::find(begin, begin + kBlockRows, -1));
    const QuantizedRows::Ball ball = QuantizedRows::BallAround(rows, bias, block, &center);
    centers.row(static_cast<Eigen::Index>(b)) = center.transpose();
    reach[b] = ball.reach;
    ball_bias[b] = ball.bias;
  }
  quantized_.emplace(rows, bias, order_, &centers, std::span<const float>{}, flat_->isa());
  std::vector<int32_t> identity(blocks);
  std::iota(identity.begin(), identity.end(), 0);
  balls_.emplace(centers, ball_bias, identity, nullptr, reach, flat_->isa());
  block_of_row_.resize(size());
  for (size_t p = 0; p < order_.size(); ++p) {
    if (order_[p] >= 0) block_of_row_[order_[p]] = static_cast<uint32_t>(p / kBlockRows);
  }
}

std::vector<Neighbor> PrunedIndex::Search(std::span<const float> query, size_t k,
                                          const RowFilter& exclude, std::span<const Neighbor> extra,
                                          Stats* stats) const {
  if (k == 0 || size() == 0) return {};
  const FlatIndex::Query exact = flat_->Prepare(query);
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
  // Rows scored exactly, each fetched from memory a few rows ahead of its scoring.
  std::vector<Neighbor> scored;
  auto fetch = [this](int32_t row) {
    const float* data = flat_->row(row).data();
    for (int d = 0; d < dim(); d += 16) __builtin_prefetch(data + d);
    __builtin_prefetch(&flat_->bias()[row]);
  };
  // The rows with an extra score at the indices `of` of `extra`, scored exactly.
  auto score_extras = [&](std::span<const uint32_t> of) {
    for (size_t i = 0; i < std::min(kFetchAhead, of.size()); ++i) fetch(extra[of[i]].row);
    for (size_t i = 0; i < of.size(); ++i) {
      if (i + kFetchAhead < of.size()) fetch(extra[of[i + kFetchAhead]].row);
      const Neighbor& e = extra[of[i]];
      if (exclude && exclude(e.row)) continue;
      scored.push_back({e.row, flat_->Score(exact, e.row) + e.score});
      raise_floor(scored.back().score);
    }
  };
  // The rows with the largest extra scores are scored first: they are often the best, and raise
  // the floor. The others are left until the floor is as high as the blocks' rows raise it.
  std::vector<uint32_t> first_extras;
  {
    const size_t first = std::min(extra.size(), kFirstExtras + k);
    auto ranks_before = [extra](uint32_t a, uint32_t b) {
      return extra[a].score > extra[b].score || (extra[a].score == extra[b].score && a < b);
    };
    for (uint32_t i = 0; i < extra.size(); ++i) {
      if (first_extras.size() == first && !ranks_before(i, first_extras.front())) continue;
      first_extras.push_back(i);
      std::push_heap(first_extras.begin(), first_extras.end(), ranks_before);
      if (first_extras.size() > first) {
        std::pop_heap(first_extras.begin(), first_extras.end(), ranks_before);
        first_extras.pop_back();
      }
    }
    std::sort(first_extras.begin(), first_extras.end());
  }
  score_extras(first_extras);
  auto has_extra = [extra](int32_t row) {
    return std::binary_search(extra.begin(), extra.end(), Neighbor{row, 0},
                              [](const Neighbor& a, const Neighbor& b) { return a.row < b.row; });
  };

  // Every block's ball's bound, the groups' masks of blocks whose balls reach the floor, and each
  // group's best ball. The blocks of the few groups with the best balls are visited first, to
  // raise the floor early; then those of all other groups, each group and block skipped when its
  // ball is below the floor by then.
  const QuantizedRows::Query prepared = quantized_->Prepare(query, exact.factor);
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
  float upper[kChunkBlocks * kBlockRows], lower[kChunkBlocks * kBlockRows];
  uint16_t passing[kChunkBlocks];
  auto visit = [&](std::span<const uint32_t> visits) {
    for (size_t first = 0; first < visits.size(); first += kChunkBlocks) {
      const auto chunk = visits.subspan(first, std::min(kChunkBlocks, visits.size() - first));
      quantized_->Bounds(prepared, chunk, floor, upper, lower, passing, nullptr);
      if (stats != nullptr) stats->blocks += chunk.size();
      for (size_t j = 0; j < chunk.size(); ++j) {
        for (unsigned mask = passing[j]; mask != 0; mask &= mask - 1) {
          const auto slot = static_cast<size_t>(__builtin_ctz(mask));
          const size_t i = j * kBlockRows + slot;
          if (upper[i] < floor) continue;
          const int32_t row = order_[chunk[j] * kBlockRows + slot];
          if (has_extra(row) || (exclude && exclude(row))) continue;
          candidates.push_back({row, upper[i]});
          raise_floor(lower[i]);
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

  // The other rows with an extra score that can still reach the floor: those whose extra score
  // plus the best ball's bound does, then plus their own block's ball's bound.
  const float best_ball = *std::max_element(best.begin(), best.end());
  std::vector<uint32_t> other_extras;
  for (uint32_t i = 0, f = 0; i < extra.size(); ++i) {
    if (f < first_extras.size() && first_extras[f] == i) {
      ++f;
      continue;
    }
    if (extra[i].score + best_ball < floor) continue;
    if (ball_bounds[block_of_row_[extra[i].row]] + extra[i].score < floor) continue;
    other_extras.push_back(i);
  }
  score_extras(other_extras);

  // The candidates still in reach, scored exactly, with the rows with an extra score.
  std::erase_if(candidates, [floor](const Neighbor& c) { return c.score < floor; });
  for (size_t i = 0; i < std::min(kFetchAhead, candidates.size()); ++i) fetch(candidates[i].row);
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i + kFetchAhead < candidates.size()) fetch(candidates[i + kFetchAhead].row);
    scored.push_back({candidates[i].row, flat_->Score(exact, candidates[i].row)});
  }
  if (stats != nullptr) stats->scored += scored.size();
  const size_t n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    RanksBefore);
  // A copy of the n best, not `scored` cut down: it keeps the memory of every candidate, and
  // answers are kept (the server's neighbour caches).
  return {scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n)};
}

}  // namespace songvec
