#include "core/negative_sampler.h"

#include <cassert>
#include <cmath>

namespace songvec {
namespace {
constexpr double kScale = 4294967295.0;  // 2^32 - 1
}  // namespace

NegativeSampler::NegativeSampler(std::span<const int64_t> counts, double exponent)
    : buckets_(counts.size(), Bucket{UINT32_MAX, 0}) {
  assert(!counts.empty());
  const size_t n = counts.size();
  std::vector<double> scaled(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    assert(counts[i] >= 1);
    scaled[i] = std::pow(static_cast<double>(counts[i]), exponent);
    total += scaled[i];
  }
  // Vose's construction: every bucket holds mass 1/n, split between its own row and one alias.
  std::vector<int32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] *= static_cast<double>(n) / total;
    buckets_[i].alias = static_cast<int32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<int32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    int32_t s = small.back();
    small.pop_back();
    int32_t l = large.back();
    buckets_[s] = {static_cast<uint32_t>(std::llround(scaled[s] * kScale)), l};
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever is left holds (up to rounding) exactly mass 1: it always keeps its own row.
}

double NegativeSampler::Probability(int32_t row) const {
  const double n = static_cast<double>(buckets_.size());
  double p = (static_cast<double>(buckets_[row].keep) + 1.0) / (kScale + 1.0) / n;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i].alias == row && static_cast<int32_t>(i) != row) {
      p += (kScale - static_cast<double>(buckets_[i].keep)) / (kScale + 1.0) / n;
    }
  }
  return p;
}

}  // namespace songvec
