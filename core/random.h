#ifndef SONGVEC_CORE_RANDOM_H_
#define SONGVEC_CORE_RANDOM_H_

#include <cstdint>

namespace songvec {

// PCG32 (O'Neill 2014): a small, fast generator whose output depends only on the seed, never on the
// standard library, so synthetic data and trained vectors are reproducible across platforms.
// Not thread-safe: give each thread its own (seeded seed + thread index, as fastText does).
class Random {
 public:
  explicit Random(uint64_t seed) {
    state_ = 0;
    Next();
    state_ += seed;
    Next();
  }

  // A uniform 32-bit value.
  uint32_t Next() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + kIncrement;
    auto xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
    auto rot = static_cast<uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
  }

  // A value in [0, n), n >= 1, by Lemire's multiply-shift (bias below 2^-32 * n, irrelevant here).
  uint32_t Uniform(uint32_t n) { return static_cast<uint32_t>((uint64_t{Next()} * n) >> 32); }

  // A float in [0, 1).
  float UniformFloat() { return static_cast<float>(Next() >> 8) * (1.0f / 16777216.0f); }

  // A double in [0, 1).
  double UniformDouble() {
    uint64_t bits = (uint64_t{Next()} << 21) ^ (Next() >> 11);
    return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
  }

 private:
  static constexpr uint64_t kIncrement = 1442695040888963407ULL;
  uint64_t state_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_RANDOM_H_
