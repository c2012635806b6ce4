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

ExactIndex::ExactIndex(const Matrix& vectors) : unit_(vectors) {
  for (Eigen::Index r = 0; r < unit_.rows(); ++r) {
    const float norm = unit_.row(r).norm();
    if (norm > 0) unit_.row(r) /= norm;
  }
}

std::vector<Neighbor> ExactIndex::Search(std::span<const float> query, size_t k,
                                         const RowFilter& exclude) const {
  assert(query.size() == static_cast<size_t>(dim()));
  Eigen::Map<const Eigen::VectorXf> q(query.data(), dim());
  const float norm = q.norm();
  Eigen::VectorXf scores = unit_ * q;
  if (norm > 0) scores /= norm;
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
