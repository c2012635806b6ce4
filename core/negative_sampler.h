#ifndef SONGVEC_CORE_NEGATIVE_SAMPLER_H_
#define SONGVEC_CORE_NEGATIVE_SAMPLER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/random.h"

namespace songvec {

// Draws rows with probability proportional to count^exponent, the noise distribution of negative
// sampling (Mikolov et al. 2013 use exponent 0.75; negative exponents favour rare songs,
// Caselles-Dupre et al. 2018). Walker's alias method: O(1) per draw from two arrays of one entry
// per row, where word2vec.c's unigram table needs 1e8 entries. Immutable after construction;
// Sample() is thread-safe as long as each thread passes its own Random.
class NegativeSampler {
 public:
  // `counts` must be non-empty and every count >= 1.
  NegativeSampler(std::span<const int64_t> counts, double exponent);

  // One 64-bit draw: its high half picks the bucket, its low half tosses the bucket's coin.
  int32_t Sample(Random& rng) const {
    const uint64_t bits = rng.Next64();
    const auto row = static_cast<uint32_t>(((bits >> 32) * buckets_.size()) >> 32);
    const Bucket& bucket = buckets_[row];
    return static_cast<uint32_t>(bits) <= bucket.keep ? static_cast<int32_t>(row) : bucket.alias;
  }

  // The exact probability Sample() returns `row`, for tests.
  double Probability(int32_t row) const;

 private:
  // Row r's bucket: keep r when a 32-bit draw is <= keep, else take alias. One 8-byte entry, so a
  // draw reads one cache line.
  struct Bucket {
    uint32_t keep;
    int32_t alias;
  };
  std::vector<Bucket> buckets_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_NEGATIVE_SAMPLER_H_
