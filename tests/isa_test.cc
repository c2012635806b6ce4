#include "core/isa.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace songvec {
namespace {

TEST(Isa, NamesRoundTripAndUnknownNamesListTheLevels) {
  for (Isa isa : {Isa::kScalar, Isa::kVec128, Isa::kAvx2, Isa::kAvx512}) {
    Result<Isa> parsed = ParseIsa(IsaName(isa));
    ASSERT_TRUE(parsed.ok()) << IsaName(isa);
    EXPECT_EQ(*parsed, isa);
  }
  Result<Isa> unknown = ParseIsa("avx1024");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            std::string("unknown SIMD level 'avx1024' (expected one of scalar, ") +
                IsaName(Isa::kVec128) + ", avx2, avx512)");
}

// Scalar, the reference, and the 4-float level are there on every CPU, in order; the default is
// one of the supported levels.
TEST(Isa, EveryCpuHasTheScalarAndTheFourFloatLevels) {
  const std::span<const Isa> supported = SupportedIsas();
  ASSERT_GE(supported.size(), 2u);
  EXPECT_EQ(supported[0], Isa::kScalar);
  EXPECT_EQ(supported[1], Isa::kVec128);
  EXPECT_TRUE(std::is_sorted(supported.begin(), supported.end()));
  EXPECT_NE(std::find(supported.begin(), supported.end(), DefaultIsa()), supported.end());
}

}  // namespace
}  // namespace songvec
