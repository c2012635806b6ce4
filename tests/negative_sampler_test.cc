#include "core/negative_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace songvec {
namespace {

std::vector<double> Expected(const std::vector<int64_t>& counts, double exponent) {
  std::vector<double> p;
  for (int64_t c : counts) p.push_back(std::pow(static_cast<double>(c), exponent));
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
  return p;
}

TEST(NegativeSampler, AliasTableHoldsExactlyTheUnigramPowerDistribution) {
  const std::vector<int64_t> counts = {1000, 300, 50, 7, 1, 1, 120, 9};
  for (double exponent : {0.75, 1.0, 0.0, -0.5}) {
    const NegativeSampler sampler(counts, exponent);
    const std::vector<double> expected = Expected(counts, exponent);
    for (size_t row = 0; row < counts.size(); ++row) {
      EXPECT_NEAR(sampler.Probability(static_cast<int32_t>(row)), expected[row], 1e-8)
          << "exponent " << exponent << " row " << row;
    }
  }
}

TEST(NegativeSampler, DrawsFollowTheDistribution) {
  const std::vector<int64_t> counts = {1000, 300, 50, 7, 1};
  const NegativeSampler sampler(counts, 0.75);
  const std::vector<double> expected = Expected(counts, 0.75);
  Random rng(7);
  const int draws = 1000000;
  std::vector<int> seen(counts.size(), 0);
  for (int i = 0; i < draws; ++i) ++seen[sampler.Sample(rng)];
  for (size_t row = 0; row < counts.size(); ++row) {
    const double p = expected[row];
    const double sd = std::sqrt(draws * p * (1 - p));
    EXPECT_NEAR(seen[row], draws * p, 5 * sd + 1) << "row " << row;
  }
}

}  // namespace
}  // namespace songvec
