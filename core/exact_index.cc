#include "core/exact_index.h"

#include <algorithm>
#include <cassert>

namespace songvec {
namespace {

// True when a ranks before b.
bool Better(const Neighbor& a, const Neighbor& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

}  // namespace

ExactIndex::ExactIndex(const Matrix& vectors, Similarity similarity, std::vector<float> bias)
    : similarity_(similarity), rows_(vectors) {
  assert(bias.empty() || (similarity == Similarity::kDot && bias.size() == size()));
  if (similarity == Similarity::kCosine) {
    for (Eigen::Index r = 0; r < rows_.rows(); ++r) {
      const float norm = rows_.row(r).norm();
      if (norm > 0) rows_.row(r) /= norm;
    }
  }
  if (!bias.empty()) bias_ = Eigen::Map<const Eigen::VectorXf>(bias.data(), bias.size());
}

Eigen::VectorXf ExactIndex::Scores(std::span<const float> query) const {
  assert(query.size() == static_cast<size_t>(dim()));
  Eigen::Map<const Eigen::VectorXf> q(query.data(), dim());
  Eigen::VectorXf scores = rows_ * q;
  if (similarity_ == Similarity::kCosine) {
    const float norm = q.norm();
    if (norm > 0) scores /= norm;
  } else if (bias_.size() > 0) {
    scores += bias_;
  }
  return scores;
}

std::vector<Neighbor> ExactIndex::Search(std::span<const float> query, size_t k,
                                         const RowFilter& exclude) const {
  const Eigen::VectorXf scores = Scores(query);
  return TopK({scores.data(), static_cast<size_t>(scores.size())}, k, exclude);
}

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

}  // namespace songvec
