#ifndef SONGVEC_CORE_SGNS_KERNELS_H_
#define SONGVEC_CORE_SGNS_KERNELS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/negative_sampler.h"
#include "core/random.h"

namespace songvec {

// The hot loops of SGNS training, one playlist (after sub-sampling) at a time. Internal to the
// trainer; exposed so that bench/ can measure them in isolation. Each is compiled for several
// x86-64 levels (AVX-512, AVX2+FMA, baseline) and picks the best the CPU has at load time, so a
// portable binary still runs vectorised.

// Rows are processed in blocks of this many floats.
constexpr int kLanes = 16;

// What every update shares. The matrices are updated in place without locks (Hogwild).
struct SgnsModel {
  float* input;   // vocabulary rows x stride (syn0)
  float* output;  // vocabulary rows x stride (syn1neg)
  int stride;     // floats per row: the dimension rounded up to kLanes; the padding stays zero
  int window;
  int negative;
  const NegativeSampler* sampler;
};

// A thread's private state: its RNG, its buffers (sized once, so the loops never allocate) and its
// running loss.
class SgnsScratch {
 public:
  SgnsScratch(const SgnsModel& model, uint64_t seed);

  Random rng;
  double loss = 0;       // sum of -log sigmoid over every scored (example, target) pair
  int64_t examples = 0;  // positive examples trained

  // Working rows (stride floats each), scores and row lists; see sgns_kernels.cc.
  std::vector<float> hidden, gradient, scores, target_delta;
  std::vector<int32_t> target_rows;
  std::vector<float*> context_vectors, target_vectors;
};

// Skip-gram as word2vec.c and gensim do it: for every centre song and every context song in its
// randomly shrunk window, the context's input vector predicts the centre against `negative` noise
// songs drawn afresh for this pair; updates apply pair by pair.
void SkipGramPairs(std::span<const int32_t> sentence, float alpha, const SgnsModel& model,
                   SgnsScratch& scratch);

// Skip-gram with one draw of negatives per centre song, shared by all its context songs (HogBatch,
// Ji et al. 2016, "Parallelizing Word2Vec in Shared and Distributed Memory"): the window's updates
// become small dense matrix products over rows held in L1, instead of scattered row accesses.
void SkipGramWindows(std::span<const int32_t> sentence, float alpha, const SgnsModel& model,
                     SgnsScratch& scratch);

// CBOW with the mean of the context (gensim's cbow_mean=1): the mean predicts the centre song
// against `negative` noise songs; the gradient is added to every context vector undivided, as
// word2vec.c and gensim do.
void Cbow(std::span<const int32_t> sentence, float alpha, const SgnsModel& model,
          SgnsScratch& scratch);

}  // namespace songvec

#endif  // SONGVEC_CORE_SGNS_KERNELS_H_
