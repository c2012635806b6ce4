#ifndef SONGVEC_CORE_RANDOM_H_
#define SONGVEC_CORE_RANDOM_H_

#include <cstdint>

namespace songvec {

// SplitMix64 (Steele, Lea and Flood 2014; the seeder of xoshiro): one add and two
// multiply-xorshifts per 64-bit draw, passes BigCrush, and its output depends only on the seed,
// never on the standard library, so synthetic data and trained vectors are reproducible across
// platforms. Not thread-safe: give each thread its own (seeded seed + thread index, as fastText
// does).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  // A uniform 64-bit value.
  uint64_t Next64() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // A uniform 32-bit value.
  uint32_t Next() { return static_cast<uint32_t>(Next64() >> 32); }

  // A value in [0, n), n >= 1, by Lemire's multiply-shift (bias below n / 2^32, irrelevant here).
  uint32_t Uniform(uint32_t n) { return static_cast<uint32_t>((uint64_t{Next()} * n) >> 32); }

  // A float in [0, 1).
  float UniformFloat() { return static_cast<float>(Next64() >> 40) * (1.0f / 16777216.0f); }

  // A double in [0, 1).
  double UniformDouble() {
    return static_cast<double>(Next64() >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  uint64_t state_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_RANDOM_H_
