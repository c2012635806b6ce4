#ifndef SONGVEC_SERVER_NEIGHBOR_CACHE_H_
#define SONGVEC_SERVER_NEIGHBOR_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/index.h"
#include "core/recommender.h"

namespace songvec {

// The kDepth best rows for every single model row as the only seed (itself excluded, nothing else
// filtered), for one scoring: what /similar and /next ask for most. Entries are computed by the
// exact Recommender, so a cached answer is the exact answer; they are filled on first use and by a
// background warm-up after a model is loaded. Thread-safe; lock-free reads.
class NeighborCache {
 public:
  static constexpr size_t kDepth = 100;

  NeighborCache(const Recommender& recommender, Scoring scoring);
  ~NeighborCache();
  NeighborCache(const NeighborCache&) = delete;
  NeighborCache& operator=(const NeighborCache&) = delete;

  // The entry of `row`, computing it if no thread has yet.
  const std::vector<Neighbor>& Get(int32_t row) const;
  size_t size() const { return entries_.size(); }

 private:
  const Recommender& recommender_;
  const Scoring scoring_;
  // Owned; null until computed. A race computes an entry twice and keeps one.
  mutable std::vector<std::atomic<const std::vector<Neighbor>*>> entries_;
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_NEIGHBOR_CACHE_H_
