#include "core/neighbor_cache.h"

#include <algorithm>

namespace songvec {

NeighborCache::NeighborCache(const Recommender& recommender, Scoring scoring, size_t capacity)
    : recommender_(recommender),
      scoring_(scoring),
      capacity_(capacity),
      entries_(recommender.size()) {}

NeighborCache::~NeighborCache() {
  for (auto& entry : entries_) delete entry.load();
}

const std::vector<Neighbor>& NeighborCache::Get(int32_t row, std::vector<Neighbor>* scratch) const {
  std::atomic<const std::vector<Neighbor>*>& entry = entries_[row];
  if (const std::vector<Neighbor>* cached = entry.load(std::memory_order_acquire)) return *cached;
  const int32_t seed[] = {row};
  auto compute = [&] {
    return recommender_.Recommend(scoring_, seed, {}, std::min(kDepth, recommender_.size()),
                                  [row](int32_t candidate) { return candidate == row; });
  };
  if (filled_.load(std::memory_order_relaxed) >= capacity_) {
    *scratch = compute();
    return *scratch;
  }
  auto computed = std::make_unique<const std::vector<Neighbor>>(compute());
  filled_.fetch_add(1, std::memory_order_relaxed);
  const std::vector<Neighbor>* expected = nullptr;
  if (entry.compare_exchange_strong(expected, computed.get(), std::memory_order_acq_rel)) {
    return *computed.release();
  }
  return *expected;  // another thread got there first
}

}  // namespace songvec
