#ifndef SONGVEC_CORE_SGNS_KERNELS_H_
#define SONGVEC_CORE_SGNS_KERNELS_H_

#include <cstdint>
#include <memory>
#include <span>

#include "core/isa.h"
#include "core/negative_sampler.h"
#include "core/random.h"

namespace songvec {

// The hot loops of SGNS training, one playlist (after sub-sampling) at a time. Internal to the
// trainer; exposed so that tests can hold every SIMD level against the scalar one and bench/ can
// measure them in isolation.

// Rows are padded to a multiple of this many floats: the widest vector of any level.
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

// A thread's private state: its RNG, its buffers (sized once, 64-byte aligned, so the loops never
// allocate) and its running loss.
class SgnsScratch {
 public:
  SgnsScratch(const SgnsModel& model, uint64_t seed);

  Random rng;
  double loss = 0;       // sum of -log sigmoid over every scored (example, target) pair
  int64_t examples = 0;  // positive examples trained

  // Targets (the centre song, then the negatives) and context songs, rounded up to kLanes.
  int padded_targets;
  int padded_contexts;
  // Working rows and matrices; see sgns_kernels.cc.
  float* hidden;            // stride
  float* gradient;          // stride
  float* scores;            // padded_targets rows of padded_contexts, and kLanes more
  float* contexts_by_dim;   // stride rows of padded_contexts: the context rows transposed
  float* target_delta;      // padded_targets rows of stride
  int32_t* target_rows;     // padded_targets
  float** context_vectors;  // padded_contexts
  float** target_vectors;   // padded_targets

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> memory_;
};

using SgnsKernel = void (*)(std::span<const int32_t> sentence, float alpha, const SgnsModel& model,
                            SgnsScratch& scratch);

// The three updates, compiled for one SIMD level.
struct SgnsKernels {
  // Skip-gram as word2vec.c and gensim do it: for every centre song and every context song in its
  // randomly shrunk window, the context's input vector predicts the centre against `negative`
  // noise songs drawn afresh for this pair; updates apply pair by pair.
  SgnsKernel skip_gram_pairs;
  // Skip-gram with one draw of negatives per centre song, shared by all its context songs
  // (HogBatch, Ji et al. 2016, "Parallelizing Word2Vec in Shared and Distributed Memory"): the
  // window's updates become three small dense matrix products over rows held in L1, instead of
  // scattered row accesses.
  SgnsKernel skip_gram_windows;
  // CBOW with the mean of the context (gensim's cbow_mean=1): the mean predicts the centre song
  // against `negative` noise songs; the gradient is added to every context vector undivided, as
  // word2vec.c and gensim do.
  SgnsKernel cbow;
};

// The kernels of `isa`, one of SupportedIsas(). Every level draws the same random numbers and
// computes the same updates as the scalar one, up to the order of float rounding.
const SgnsKernels& SgnsKernelsFor(Isa isa);

}  // namespace songvec

#endif  // SONGVEC_CORE_SGNS_KERNELS_H_
