#include "core/exact_index.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>

namespace songvec {
namespace {

constexpr size_t kBlockRows = QuantizedRows::kBlockRows;
// Bounds are computed this many blocks at a time, into buffers that stay in L1.
constexpr size_t kChunkBlocks = 64;

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
  if (QuantizedRows::Supported() && size() > 0) quantized_.emplace(rows_, bias_);
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
  const QuantizedRows::Query prepared =
      quantized_->Prepare({query.data(), static_cast<size_t>(query.size())}, factor);
  // The k best lower bounds of eligible rows so far, the worst on top: `floor`, once there are k,
  // is at most the k-th best exact score, so a row whose upper bound is below it cannot be among
  // the k best. The rows that reach it are candidates, pruned as the floor rises.
  std::vector<float> lows;
  lows.reserve(k + 1);
  float floor = -std::numeric_limits<float>::infinity();
  std::vector<Neighbor> candidates;  // row and upper bound
  size_t prune_at = 4 * k + 256;
  float upper[kChunkBlocks * kBlockRows], center[kChunkBlocks * kBlockRows];
  uint16_t passing[kChunkBlocks];
  auto next_extra = extra.begin();
  for (size_t first = 0; first < quantized_->blocks(); first += kChunkBlocks) {
    const size_t last = std::min(first + kChunkBlocks, quantized_->blocks());
    quantized_->Bounds(prepared, first, last, floor, upper, center, passing);
    // Rows with an extra score: raised, and looked at whatever their bound.
    const size_t row0 = first * kBlockRows, end_row = last * kBlockRows;
    const auto chunk_extra = next_extra;
    for (; next_extra != extra.end() && static_cast<size_t>(next_extra->row) < end_row;
         ++next_extra) {
      const size_t i = next_extra->row - row0;
      upper[i] += next_extra->score;
      passing[i / kBlockRows] |= static_cast<uint16_t>(1u << (i % kBlockRows));
    }
    auto extra_cursor = chunk_extra;  // rows are visited in ascending order
    for (size_t j = 0; j < last - first; ++j) {
      for (unsigned mask = passing[j]; mask != 0; mask &= mask - 1) {
        const size_t i = j * kBlockRows + static_cast<size_t>(__builtin_ctz(mask));
        if (upper[i] < floor) continue;
        const auto row = static_cast<int32_t>(row0 + i);
        if (exclude && exclude(row)) continue;
        candidates.push_back({row, upper[i]});
        float low = quantized_->Lower(prepared, row0 + i, center[i]);
        while (extra_cursor != next_extra && extra_cursor->row < row) ++extra_cursor;
        if (extra_cursor != next_extra && extra_cursor->row == row) low += extra_cursor->score;
        if (lows.size() < k || low > lows.front()) {
          lows.push_back(low);
          std::push_heap(lows.begin(), lows.end(), std::greater<>());
          if (lows.size() > k) {
            std::pop_heap(lows.begin(), lows.end(), std::greater<>());
            lows.pop_back();
          }
          if (lows.size() == k) floor = lows.front();
        }
      }
    }
    if (candidates.size() >= prune_at) {
      std::erase_if(candidates, [floor](const Neighbor& c) { return c.score < floor; });
      prune_at = std::max(prune_at, 2 * candidates.size());
    }
  }
  std::erase_if(candidates, [floor](const Neighbor& c) { return c.score < floor; });

  // The candidates scored exactly (rows ascending, so extra is read in order).
  next_extra = extra.begin();
  for (Neighbor& c : candidates) {
    float score = rows_.row(c.row).dot(query) * factor + bias_[c.row];
    while (next_extra != extra.end() && next_extra->row < c.row) ++next_extra;
    if (next_extra != extra.end() && next_extra->row == c.row) score += next_extra->score;
    c.score = score;
  }
  const size_t n = std::min(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), Better);
  candidates.resize(n);
  return candidates;
}

}  // namespace songvec
