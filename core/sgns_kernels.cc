#include "core/sgns_kernels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <new>

#include "core/lanes.h"

namespace songvec {
namespace {

using lanes::Lanes;

// sigmoid(x) and log(sigmoid(x)) tabulated at bin centres on [-kMaxExp, kMaxExp], as word2vec.c
// tabulates them; beyond, sigmoid is taken as exactly 0 or 1, so a saturated pair gets no gradient
// at all. (That matters: clamping to the last bin instead leaves 0.25% of alpha on every saturated
// negative, a drift that adds up over the millions of times a hit is drawn as a negative, and cost
// 13% of HR@10 on yes_complete.)
constexpr float kMaxExp = 6.0f;
constexpr int kTableSize = 1024;
constexpr float kTableScale = kTableSize / (2 * kMaxExp);

// Indexed by TableIndex(): 0 for x <= -kMaxExp, 1 + the bin for x inside, kTableSize + 1 for
// x >= kMaxExp. The losses are -log sigmoid(x) and -log sigmoid(-x), 0 where saturated the right
// way (the wrong way, the loss is |x| itself: see Gradients()).
struct SigmoidTables {
  float sigmoid[kTableSize + 2];
  float positive_loss[kTableSize + 2];
  float negative_loss[kTableSize + 2];
  SigmoidTables() {
    sigmoid[0] = positive_loss[0] = negative_loss[0] = 0.0f;
    sigmoid[kTableSize + 1] = 1.0f;
    positive_loss[kTableSize + 1] = negative_loss[kTableSize + 1] = 0.0f;
    for (int i = 0; i < kTableSize; ++i) {
      const double x = (i + 0.5) / kTableScale - kMaxExp;
      sigmoid[i + 1] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
      positive_loss[i + 1] = static_cast<float>(std::log1p(std::exp(-x)));
      negative_loss[i + 1] = static_cast<float>(std::log1p(std::exp(x)));
    }
  }
};
const SigmoidTables kTables;

// n rounded up to a multiple of m.
SONGVEC_INLINE int RoundUp(int n, int m) { return (n + m - 1) / m * m; }

// The reduced window of word2vec: a radius drawn uniformly from 1..window.
SONGVEC_INLINE void Window(size_t i, size_t n, int window, Random& rng, size_t* begin,
                           size_t* end) {
  const size_t radius = static_cast<size_t>(window) - rng.Uniform(static_cast<uint32_t>(window));
  *begin = i > radius ? i - radius : 0;
  *end = std::min(n, i + radius + 1);
}

// Draws the negatives of one example into s.target_rows after the centre song and prefetches their
// output rows, so that the scattered loads overlap instead of stalling one after the other. Draws
// equal to the centre are skipped, as in word2vec.c. Returns the number of targets.
SONGVEC_INLINE int DrawTargets(int32_t centre, const SgnsModel& m, SgnsScratch& s) {
  int32_t* rows = s.target_rows;
  int count = 0;
  rows[count++] = centre;
  for (int d = 0; d < m.negative; ++d) {
    const int32_t row = m.sampler->Sample(s.rng);
    if (row == centre) continue;
    __builtin_prefetch(m.output + static_cast<size_t>(row) * m.stride);
    rows[count++] = row;
  }
  return count;
}

// The kernels at W floats per vector.
template <int W>
struct Kernels {
  using L = Lanes<W>;
  using V = typename L::V;

  // Turns `count` scores f of one row, all labelled `positive` (the centre song) or not
  // (negatives), into the gradient factors (label - sigmoid(f)) * alpha, in place. Returns their
  // loss, the sum of -log P(label), which is NaN if a score is (a diverged run shows in its loss).
  // Reads and writes whole vectors: `count` rounded up to W floats.
  static SONGVEC_INLINE float Gradients(float* row, int count, bool positive, float alpha) {
    using I = typename L::I;
    const V label = L::Broadcast(positive ? 1.0f : 0.0f), a = L::Broadcast(alpha);
    const V low = L::Broadcast(-kMaxExp), high = L::Broadcast(kMaxExp);
    const float* table_loss = positive ? kTables.positive_loss : kTables.negative_loss;
    V loss = L::Broadcast(0.0f);
    for (int x = 0; x < count; x += W) {
      const V f = L::Load(row + x);
      // The bin of word2vec's table (a NaN counts as low), then the saturated ends.
      const V clamped = f > low ? (f < high ? f : high) : low;
      I index = L::Truncate((clamped + kMaxExp) * kTableScale);
      index = (index < kTableSize ? index : kTableSize - 1) + 1;
      index = f <= low ? 0 : index;
      index = f >= high ? kTableSize + 1 : index;
      L::Store(row + x, (label - L::Gather(kTables.sigmoid, index)) * a);
      // Saturated the wrong way (|x| >= kMaxExp, x = f for a negative, -f for the centre), the
      // loss is |x|; f * 0 is 0, or NaN for a NaN or infinite score.
      const V signed_f = positive ? -f : f;
      const V example = (signed_f >= high ? signed_f : L::Gather(table_loss, index)) + f * 0.0f;
      loss += L::Iota() + x < count ? example : L::Broadcast(0.0f);
    }
    return L::Sum(loss);
  }

  static SONGVEC_INLINE float Dot(const float* a, const float* b, int stride) {
    V sum = L::Load(a) * L::Load(b);
    for (int i = W; i < stride; i += W) sum += L::Load(a + i) * L::Load(b + i);
    return L::Sum(sum);
  }

  // y += alpha * x
  static SONGVEC_INLINE void Axpy(float alpha, const float* x, float* y, int stride) {
    const V a = L::Broadcast(alpha);
    for (int i = 0; i < stride; i += W) L::Store(y + i, L::Load(y + i) + a * L::Load(x + i));
  }

  // The three products of a window update share one shape: out(r) (+)= sum over i < count of
  // weight(r, i) * source(i), for rows r < rows of `width` floats (a multiple of W). They are
  // computed in tiles of R rows by 2 vectors, whose R x 2 sums stay in registers while each
  // source vector is loaded once per tile and each weight broadcast once: 2 + R loads per 2R
  // multiply-adds. R is as large as the level's registers allow (16 on AVX2 and SSE, 32 on
  // AVX-512), and smaller tiles take the rows left over.
  static constexpr int kTileRows = W == 16 ? 12 : 6;

  template <bool kAdd, int R, int J, typename Weight, typename Source, typename Out>
  static SONGVEC_INLINE void Tile(int r0, int x0, int count, Weight weight, Source source,
                                  Out out) {
    V sum[R][J];
    for (int r = 0; r < R; ++r) {
      for (int j = 0; j < J; ++j) sum[r][j] = L::Broadcast(0.0f);
    }
    for (int i = 0; i < count; ++i) {
      const float* row = source(i) + x0;
      V x[J];
      for (int j = 0; j < J; ++j) x[j] = L::Load(row + j * W);
      for (int r = 0; r < R; ++r) {
        const V w = L::Broadcast(weight(r0 + r, i));
        for (int j = 0; j < J; ++j) sum[r][j] += w * x[j];
      }
    }
    for (int r = 0; r < R; ++r) {
      float* o = out(r0 + r) + x0;
      for (int j = 0; j < J; ++j) {
        L::Store(o + j * W, kAdd ? L::Load(o + j * W) + sum[r][j] : sum[r][j]);
      }
    }
  }

  template <bool kAdd, int R = kTileRows, typename Weight, typename Source, typename Out>
  static SONGVEC_INLINE void WeightedSums(int first_row, int rows, int width, int count,
                                          Weight weight, Source source, Out out) {
    int r = first_row;
    for (; r + R <= rows; r += R) {
      int x = 0;
      for (; x + 2 * W <= width; x += 2 * W) Tile<kAdd, R, 2>(r, x, count, weight, source, out);
      if (x < width) Tile<kAdd, R, 1>(r, x, count, weight, source, out);
    }
    if constexpr (R > 1) {
      if (r < rows) WeightedSums<kAdd, R / 2>(r, rows, width, count, weight, source, out);
    }
  }

  // `hidden` against the centre song and fresh negatives: leaves the gradient of `hidden` in
  // s.gradient and updates the output rows in place, one after the other.
  static SONGVEC_INLINE void ScoreAgainstNegatives(const float* hidden, int32_t centre, float alpha,
                                                   const SgnsModel& m, SgnsScratch& s) {
    const int count = DrawTargets(centre, m, s);
    float* g = s.scores;
    for (int t = 0; t < count; ++t) {
      g[t] = Dot(hidden, m.output + static_cast<size_t>(s.target_rows[t]) * m.stride, m.stride);
    }
    s.loss += Kernels<1>::Gradients(g, 1, true, alpha) + Gradients(g + 1, count - 1, false, alpha);
    float* gradient = s.gradient;
    std::fill_n(gradient, m.stride, 0.0f);
    for (int t = 0; t < count; ++t) {
      float* out = m.output + static_cast<size_t>(s.target_rows[t]) * m.stride;
      Axpy(g[t], out, gradient, m.stride);
      Axpy(g[t], hidden, out, m.stride);
    }
    ++s.examples;
  }

  static SONGVEC_INLINE void SkipGramPairs(std::span<const int32_t> sentence, float alpha,
                                           const SgnsModel& m, SgnsScratch& s) {
    for (size_t i = 0; i < sentence.size(); ++i) {
      size_t begin, end;
      Window(i, sentence.size(), m.window, s.rng, &begin, &end);
      for (size_t j = begin; j < end; ++j) {
        if (j == i) continue;
        float* hidden = m.input + static_cast<size_t>(sentence[j]) * m.stride;
        ScoreAgainstNegatives(hidden, sentence[i], alpha, m, s);
        Axpy(1.0f, s.gradient, hidden, m.stride);
      }
    }
  }

  static SONGVEC_INLINE void SkipGramWindows(std::span<const int32_t> sentence, float alpha,
                                             const SgnsModel& m, SgnsScratch& s) {
    const int stride = m.stride;
    float** context = s.context_vectors;
    float** target = s.target_vectors;
    float* g = s.scores;
    float* by_dim = s.contexts_by_dim;
    float* delta = s.target_delta;
    double loss = 0;
    for (size_t i = 0; i < sentence.size(); ++i) {
      size_t begin, end;
      Window(i, sentence.size(), m.window, s.rng, &begin, &end);
      int contexts = 0;
      for (size_t j = begin; j < end; ++j) {
        if (j != i) context[contexts++] = m.input + static_cast<size_t>(sentence[j]) * stride;
      }
      if (contexts == 0) continue;
      const int targets = DrawTargets(sentence[i], m, s);
      for (int k = 0; k < targets; ++k) {
        target[k] = m.output + static_cast<size_t>(s.target_rows[k]) * stride;
      }
      // C: the context rows, also transposed (by_dim: one row of `padded` floats per dimension,
      // zero past the contexts); T: the target rows (the centre, then the negatives).
      const int padded = RoundUp(contexts, W);
      for (int c = 0; c < contexts; ++c) {
        for (int d = 0; d < stride; ++d) by_dim[d * padded + c] = context[c][d];
      }
      for (int d = 0; d < stride; ++d) {
        for (int c = contexts; c < padded; ++c) by_dim[d * padded + c] = 0.0f;
      }
      // G = T C' (one row of scores per target, as whole vectors: no horizontal sums), then
      // G = (labels - sigmoid(G)) * alpha, the centre's row labelled 1.
      WeightedSums<false>(
          0, targets, padded, stride, [&](int k, int d) { return target[k][d]; },
          [&](int d) { return by_dim + d * padded; }, [&](int k) { return g + k * padded; });
      loss += Gradients(g, contexts, true, alpha);
      for (int k = 1; k < targets; ++k) loss += Gradients(g + k * padded, contexts, false, alpha);
      // dT = G C, from C before it changes.
      WeightedSums<false>(
          0, targets, stride, contexts, [&](int k, int c) { return g[k * padded + c]; },
          [&](int c) { return context[c]; }, [&](int k) { return delta + k * stride; });
      // C += G' T, from T before it changes.
      WeightedSums<true>(
          0, contexts, stride, targets, [&](int c, int k) { return g[k * padded + c]; },
          [&](int k) { return target[k]; }, [&](int c) { return context[c]; });
      // T += dT. Adding (not overwriting) keeps what other threads did meanwhile, and a row drawn
      // twice gets both its deltas.
      for (int k = 0; k < targets; ++k) Axpy(1.0f, delta + k * stride, target[k], stride);
      s.examples += contexts;
    }
    s.loss += loss;
  }

  static SONGVEC_INLINE void Cbow(std::span<const int32_t> sentence, float alpha,
                                  const SgnsModel& m, SgnsScratch& s) {
    float* hidden = s.hidden;
    for (size_t i = 0; i < sentence.size(); ++i) {
      size_t begin, end;
      Window(i, sentence.size(), m.window, s.rng, &begin, &end);
      if (end - begin < 2) continue;
      std::fill_n(hidden, m.stride, 0.0f);
      for (size_t j = begin; j < end; ++j) {
        if (j != i)
          Axpy(1.0f, m.input + static_cast<size_t>(sentence[j]) * m.stride, hidden, m.stride);
      }
      const float inverse = 1.0f / static_cast<float>(end - begin - 1);
      for (int d = 0; d < m.stride; ++d) hidden[d] *= inverse;
      ScoreAgainstNegatives(hidden, sentence[i], alpha, m, s);
      for (size_t j = begin; j < end; ++j) {
        if (j != i) {
          Axpy(1.0f, s.gradient, m.input + static_cast<size_t>(sentence[j]) * m.stride, m.stride);
        }
      }
    }
  }
};

// One level's entry points: Kernels<W> inlined into functions compiled with ATTRIBUTES.
#define SONGVEC_SGNS_LEVEL(NAME, W, ATTRIBUTES)                                                  \
  ATTRIBUTES void SkipGramPairs##NAME(std::span<const int32_t> sentence, float alpha,            \
                                      const SgnsModel& m, SgnsScratch& s) {                      \
    Kernels<W>::SkipGramPairs(sentence, alpha, m, s);                                            \
  }                                                                                              \
  ATTRIBUTES void SkipGramWindows##NAME(std::span<const int32_t> sentence, float alpha,          \
                                        const SgnsModel& m, SgnsScratch& s) {                    \
    Kernels<W>::SkipGramWindows(sentence, alpha, m, s);                                          \
  }                                                                                              \
  ATTRIBUTES void Cbow##NAME(std::span<const int32_t> sentence, float alpha, const SgnsModel& m, \
                             SgnsScratch& s) {                                                   \
    Kernels<W>::Cbow(sentence, alpha, m, s);                                                     \
  }                                                                                              \
  constexpr SgnsKernels k##NAME = {SkipGramPairs##NAME, SkipGramWindows##NAME, Cbow##NAME};

SONGVEC_SGNS_LEVEL(Scalar, 1, )
SONGVEC_SGNS_LEVEL(Vec128, 4, )
#if defined(SONGVEC_X86)
SONGVEC_SGNS_LEVEL(Avx2, 8, SONGVEC_TARGET_AVX2)
#endif
#if defined(SONGVEC_HAS_AVX512)
SONGVEC_SGNS_LEVEL(Avx512, 16, SONGVEC_TARGET_AVX512)
#endif

}  // namespace

void SgnsScratch::Free::operator()(void* p) const { std::free(p); }

SgnsScratch::SgnsScratch(const SgnsModel& model, uint64_t seed)
    : rng(seed),
      padded_targets(RoundUp(model.negative + 1, kLanes)),
      padded_contexts(RoundUp(2 * model.window, kLanes)) {
  // One allocation, every buffer starting on its own 64-byte line.
  const auto lines = [](size_t bytes) { return (bytes + 63) / 64 * 64; };
  const size_t stride = static_cast<size_t>(model.stride), targets = padded_targets,
               contexts = padded_contexts;
  const size_t sizes[] = {lines(stride * sizeof(float)),
                          lines(stride * sizeof(float)),
                          lines((targets * contexts + kLanes) * sizeof(float)),
                          lines(stride * contexts * sizeof(float)),
                          lines(targets * stride * sizeof(float)),
                          lines(targets * sizeof(int32_t)),
                          lines(contexts * sizeof(float*)),
                          lines(targets * sizeof(float*))};
  size_t total = 0;
  for (size_t size : sizes) total += size;
  memory_.reset(std::aligned_alloc(64, total));
  if (memory_ == nullptr) throw std::bad_alloc();
  std::fill_n(static_cast<char*>(memory_.get()), total, 0);
  char* next = static_cast<char*>(memory_.get());
  size_t taken = 0;
  auto take = [&] {
    char* p = next;
    next += sizes[taken++];
    return p;
  };
  hidden = reinterpret_cast<float*>(take());
  gradient = reinterpret_cast<float*>(take());
  scores = reinterpret_cast<float*>(take());
  contexts_by_dim = reinterpret_cast<float*>(take());
  target_delta = reinterpret_cast<float*>(take());
  target_rows = reinterpret_cast<int32_t*>(take());
  context_vectors = reinterpret_cast<float**>(take());
  target_vectors = reinterpret_cast<float**>(take());
}

const SgnsKernels& SgnsKernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return kScalar;
    case Isa::kVec128:
      return kVec128;
#if defined(SONGVEC_X86)
    case Isa::kAvx2:
      return kAvx2;
#endif
#if defined(SONGVEC_HAS_AVX512)
    case Isa::kAvx512:
      return kAvx512;
#endif
    default:
      break;
  }
  assert(false && "SgnsKernelsFor: a level this build does not hold");
  return kScalar;
}

}  // namespace songvec
