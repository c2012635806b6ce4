#ifndef SONGVEC_CORE_NEIGHBOR_CACHE_H_
#define SONGVEC_CORE_NEIGHBOR_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/index.h"
#include "core/recommender.h"

namespace songvec {

// The kDepth best rows for a single model row as the only seed (itself excluded, nothing else
// filtered), for one scoring: what /similar and /next ask for most. Entries are computed by the
// Recommender, so a cached answer is the answer; they are filled on first use (and for a small
// catalog by a background warm-up after a model is loaded), at most `capacity` of them, about 850
// bytes each: beyond, answers are computed and not kept. Thread-safe; lock-free reads.
class NeighborCache {
 public:
  static constexpr size_t kDepth = 100;
  // Default: 200,000 entries, about 170 MB.
  static constexpr size_t kCapacity = 200000;

  NeighborCache(const Recommender& recommender, Scoring scoring, size_t capacity = kCapacity);
  ~NeighborCache();
  NeighborCache(const NeighborCache&) = delete;
  NeighborCache& operator=(const NeighborCache&) = delete;

  // The entry of `row`, computing it if no thread has yet; once the cache is full, a row not in it
  // is computed into `*scratch`, which is returned.
  const std::vector<Neighbor>& Get(int32_t row, std::vector<Neighbor>* scratch) const;
  size_t size() const { return entries_.size(); }

 private:
  const Recommender& recommender_;
  const Scoring scoring_;
  const size_t capacity_;
  // Owned; null until computed. A race computes an entry twice and keeps one.
  mutable std::vector<std::atomic<const std::vector<Neighbor>*>> entries_;
  mutable std::atomic<size_t> filled_{0};  // entries stored; may pass capacity_ by a race or two
};

}  // namespace songvec

#endif  // SONGVEC_CORE_NEIGHBOR_CACHE_H_
