#include "core/sgns_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace songvec {
namespace {

constexpr std::pair<const char*, SgnsKernel SgnsKernels::*> kKernels[] = {
    {"SkipGramPairs", &SgnsKernels::skip_gram_pairs},
    {"SkipGramWindows", &SgnsKernels::skip_gram_windows},
    {"Cbow", &SgnsKernels::cbow}};

// Regression: a pair whose score is already beyond the sigmoid table (|f| >= 6, the prediction
// right with certainty) must get no gradient at all, as in word2vec.c. A version that clamped
// scores to the table's last bin nudged every saturated negative, a drift that cost 13% of HR@10 on
// yes_complete.
TEST(SgnsKernels, SaturatedPairsGetNoGradient) {
  for (Isa isa : SupportedIsas()) {
    for (const auto& [name, kernel] : kKernels) {
      // Two songs; the only pairs are (song 1 predicts song 0) and (song 0 predicts song 1), and
      // the only possible negative of each is the other song.
      const std::vector<int64_t> counts = {1, 1};
      const NegativeSampler sampler(counts, 0.75);
      std::vector<float> input(2 * kLanes, 0.0f), output(2 * kLanes, 0.0f);
      input[0] = -10;       // song 0
      input[kLanes] = 10;   // song 1
      output[0] = -1;       // song 0
      output[kLanes] = -1;  // song 1
      // Song 1's output row meets input 1 as a negative (f = -10: surely not) and input 0 as the
      // positive (f = 10: surely yes). Both are saturated, so it must not move.
      const SgnsModel model{input.data(), output.data(), kLanes, 1, 5, &sampler};
      SgnsScratch scratch(model, 1);
      const std::vector<int32_t> sentence = {0, 1};
      (SgnsKernelsFor(isa).*kernel)(sentence, 0.5f, model, scratch);
      EXPECT_EQ(output[kLanes], -1.0f) << name << " at " << IsaName(isa);
      for (int i = 1; i < kLanes; ++i) EXPECT_EQ(output[kLanes + i], 0.0f) << name;
      // Song 0's output row, a confident wrong negative for input 0 (f = 10), does move.
      EXPECT_NE(output[0], -1.0f) << name << " at " << IsaName(isa);
      // At least the first example, saturated the wrong way (f = -10), cost its loss of 10.
      EXPECT_GE(scratch.loss, 10.0) << name << " at " << IsaName(isa);
    }
  }
}

// A model and a playlist to run one kernel on: random vectors of `dim` floats in rows padded to
// kLanes (the padding zero), 300 songs with Zipf-like counts.
struct Fixture {
  Fixture(int dim, int window_size, int negatives)
      : counts(300),
        stride((dim + kLanes - 1) / kLanes * kLanes),
        window(window_size),
        negative(negatives) {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] = 1 + 3000 / static_cast<int64_t>(i + 1);
    sampler.emplace(counts, 0.75);
    Random rng(7);
    input.assign(counts.size() * stride, 0.0f);
    output.assign(counts.size() * stride, 0.0f);
    for (size_t r = 0; r < counts.size(); ++r) {
      for (int c = 0; c < dim; ++c) {
        // Large enough that some scores saturate and many do not.
        input[r * stride + c] = (rng.UniformFloat() - 0.5f) * 1.5f;
        output[r * stride + c] = (rng.UniformFloat() - 0.5f) * 1.5f;
      }
    }
    for (int i = 0; i < 80; ++i) sentence.push_back(sampler->Sample(rng));
  }
  SgnsModel Model() { return {input.data(), output.data(), stride, window, negative, &*sampler}; }

  std::vector<int64_t> counts;
  std::optional<NegativeSampler> sampler;
  int stride, window, negative;
  std::vector<float> input, output;
  std::vector<int32_t> sentence;
};

// Every level computes the scalar kernels' updates: the same random draws, the same examples, and
// matrices and loss equal up to the order of float rounding (with a margin for a score that rounds
// into the neighbouring bin of the sigmoid table: a wrong tile or lane is off by the whole change).
// Shapes cover partial vectors and tiles: a dimension that is no multiple of 16, contexts and
// targets that are no multiple of the tiles.
TEST(SgnsKernels, EveryLevelMatchesTheScalarKernels) {
  struct Shape {
    int dim, window, negative;
  };
  for (const Shape& shape :
       {Shape{32, 5, 7}, Shape{50, 13, 20}, Shape{128, 3, 50}, Shape{8, 20, 1}}) {
    for (const auto& [name, kernel] : kKernels) {
      Fixture reference(shape.dim, shape.window, shape.negative);
      const std::vector<float> input_before = reference.input, output_before = reference.output;
      SgnsScratch reference_scratch(reference.Model(), 3);
      (SgnsKernelsFor(Isa::kScalar).*kernel)(reference.sentence, 0.05f, reference.Model(),
                                             reference_scratch);
      // The reference run changes the vectors by far more than the tolerance below.
      float change = 0;
      for (size_t i = 0; i < input_before.size(); ++i) {
        change = std::max({change, std::abs(reference.input[i] - input_before[i]),
                           std::abs(reference.output[i] - output_before[i])});
      }
      ASSERT_GT(change, 0.01f) << name << " dim " << shape.dim;
      const float tolerance = 2e-4f * change;
      const uint64_t next_draw = reference_scratch.rng.Next64();
      for (Isa isa : SupportedIsas()) {
        Fixture run(shape.dim, shape.window, shape.negative);
        SgnsScratch scratch(run.Model(), 3);
        (SgnsKernelsFor(isa).*kernel)(run.sentence, 0.05f, run.Model(), scratch);
        const std::string where =
            std::string(name) + " at " + IsaName(isa) + ", dim " + std::to_string(shape.dim);
        EXPECT_EQ(scratch.examples, reference_scratch.examples) << where;
        EXPECT_EQ(scratch.rng.Next64(), next_draw) << where;
        EXPECT_NEAR(scratch.loss, reference_scratch.loss, 1e-4 * reference_scratch.loss) << where;
        float worst = 0;
        for (size_t i = 0; i < run.input.size(); ++i) {
          worst = std::max({worst, std::abs(run.input[i] - reference.input[i]),
                            std::abs(run.output[i] - reference.output[i])});
        }
        EXPECT_LE(worst, tolerance) << where;
        // The rows' padding stays zero.
        for (size_t r = 0; r < run.counts.size(); ++r) {
          for (int c = shape.dim; c < run.stride; ++c) {
            ASSERT_EQ(run.input[r * run.stride + c], 0.0f) << where;
            ASSERT_EQ(run.output[r * run.stride + c], 0.0f) << where;
          }
        }
      }
    }
  }
}

// A score that is NaN or infinite (a diverged run) makes the loss NaN instead of hiding behind a
// table bin, and its table lookup stays inside the table (a NaN cast to int is INT_MIN: an index
// taken from it read far outside, and crashed training).
TEST(SgnsKernels, NonFiniteScoresShowInTheLoss) {
  constexpr float kInfinity = std::numeric_limits<float>::infinity();
  for (Isa isa : SupportedIsas()) {
    for (const auto& [name, kernel] : kKernels) {
      for (float bad : {std::numeric_limits<float>::quiet_NaN(), kInfinity, -kInfinity}) {
        Fixture fixture(16, 2, 3);
        fixture.input[0] = bad;
        fixture.sentence.assign(8, 0);
        fixture.sentence[3] = 1;
        SgnsScratch scratch(fixture.Model(), 1);
        (SgnsKernelsFor(isa).*kernel)(fixture.sentence, 0.05f, fixture.Model(), scratch);
        EXPECT_TRUE(std::isnan(scratch.loss)) << name << " at " << IsaName(isa) << ", " << bad;
      }
    }
  }
}

}  // namespace
}  // namespace songvec
