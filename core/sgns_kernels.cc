#include "core/sgns_kernels.h"

#include <algorithm>
#include <cmath>

namespace songvec {
namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX2__)
// Not built for a known CPU (-march=native): clone the hot loops for AVX-512 and AVX2+FMA and let
// the loader pick (GCC function multi-versioning).
#define SONGVEC_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SONGVEC_MULTIVERSION
#endif
#define SONGVEC_INLINE inline __attribute__((always_inline))

// sigmoid(x) and log(sigmoid(x)) tabulated at bin centres on [-kMaxExp, kMaxExp], as word2vec.c
// tabulates them; beyond, sigmoid is taken as exactly 0 or 1, so a saturated pair gets no gradient
// at all. (That matters: clamping to the last bin instead leaves 0.25% of alpha on every saturated
// negative, a drift that adds up over the millions of times a hit is drawn as a negative, and cost
// 13% of HR@10 on yes_complete.)
constexpr float kMaxExp = 6.0f;
constexpr int kTableSize = 1024;
constexpr float kTableScale = kTableSize / (2 * kMaxExp);

struct SigmoidTables {
  float sigmoid[kTableSize];
  float log_sigmoid[kTableSize];
  SigmoidTables() {
    for (int i = 0; i < kTableSize; ++i) {
      const double x = (i + 0.5) / kTableScale - kMaxExp;
      sigmoid[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
      log_sigmoid[i] = static_cast<float>(-std::log1p(std::exp(-x)));
    }
  }
};
const SigmoidTables kTables;

// Turns the scores f of one example against its targets (row[0] the centre song, labelled 1; the
// rest negatives, labelled 0) into the gradient factors (label - sigmoid(f)) * alpha. Returns the
// example's loss, the sum of -log P(label).
SONGVEC_INLINE float GradientRow(float* row, int count, float alpha) {
  float loss = 0;
  for (int k = 0; k < count; ++k) {
    const float f = row[k];
    const float clamped = std::min(std::max(f, -kMaxExp), kMaxExp);
    const int bin = std::min(static_cast<int>((clamped + kMaxExp) * kTableScale), kTableSize - 1);
    const float sigmoid = f >= kMaxExp ? 1.0f : f <= -kMaxExp ? 0.0f : kTables.sigmoid[bin];
    // log P(label): log sigmoid(f) for the centre, log sigmoid(-f) (the mirror bin) for a negative;
    // beyond the table, log sigmoid(x) is 0 above and x below.
    const float x = k == 0 ? f : -f;
    const float log_p = x >= kMaxExp    ? 0.0f
                        : x <= -kMaxExp ? x
                                        : kTables.log_sigmoid[k == 0 ? bin : kTableSize - 1 - bin];
    loss -= log_p;
    row[k] = ((k == 0 ? 1.0f : 0.0f) - sigmoid) * alpha;
  }
  return loss;
}

// Rows are handled 16 floats at a time as GCC vector-extension values: one AVX-512 register, two
// AVX2 or four SSE ones, whichever the clone runs on. Row strides are multiples of kLanes (the
// trainer pads them), so there is never a remainder loop.
using Lanes = float __attribute__((vector_size(64)));
// The same for loads and stores at any alignment, allowed to alias float.
using UnalignedLanes = float __attribute__((vector_size(64), aligned(4), may_alias));

SONGVEC_INLINE Lanes Load(const float* p) { return *reinterpret_cast<const UnalignedLanes*>(p); }
SONGVEC_INLINE void Store(float* p, Lanes v) { *reinterpret_cast<UnalignedLanes*>(p) = v; }
SONGVEC_INLINE Lanes Broadcast(float x) {
  const Lanes first = {x};
  return __builtin_shufflevector(first, first, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

// sum over i < count of Broadcast(weight(i)) * Load(row(i) + offset), with four independent
// accumulators so that consecutive multiply-adds do not wait on each other; the order of the sum is
// fixed, so the result does not depend on the vector width either.
template <typename Weight, typename Row>
SONGVEC_INLINE Lanes WeightedSum(int count, int offset, Weight weight, Row row) {
  Lanes sum[4] = {};
  int i = 0;
  for (; i + 4 <= count; i += 4) {
    for (int u = 0; u < 4; ++u) sum[u] += Broadcast(weight(i + u)) * Load(row(i + u) + offset);
  }
  for (; i < count; ++i) sum[0] += Broadcast(weight(i)) * Load(row(i) + offset);
  return (sum[0] + sum[1]) + (sum[2] + sum[3]);
}

// Sum of the 16 lanes as a fixed tree, so the result does not depend on the vector width.
SONGVEC_INLINE float Sum(Lanes v) {
  v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  return v[0];
}

SONGVEC_INLINE float Dot(const float* a, const float* b, int stride) {
  Lanes sum = Load(a) * Load(b);
  for (int i = kLanes; i < stride; i += kLanes) sum += Load(a + i) * Load(b + i);
  return Sum(sum);
}

// y += alpha * x
SONGVEC_INLINE void Axpy(float alpha, const float* x, float* y, int stride) {
  const Lanes a = Broadcast(alpha);
  for (int i = 0; i < stride; i += kLanes) Store(y + i, Load(y + i) + a * Load(x + i));
}

SONGVEC_INLINE void Zero(float* y, int stride) {
  for (int i = 0; i < stride; i += kLanes) Store(y + i, Lanes{});
}

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
  int32_t* rows = s.target_rows.data();
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

// `hidden` against the centre song and fresh negatives: leaves the gradient of `hidden` in
// s.gradient and updates the output rows in place, one after the other.
SONGVEC_INLINE void ScoreAgainstNegatives(const float* hidden, int32_t centre, float alpha,
                                          const SgnsModel& m, SgnsScratch& s) {
  const int count = DrawTargets(centre, m, s);
  float* g = s.scores.data();
  for (int t = 0; t < count; ++t) {
    g[t] = Dot(hidden, m.output + static_cast<size_t>(s.target_rows[t]) * m.stride, m.stride);
  }
  s.loss += GradientRow(g, count, alpha);
  float* gradient = s.gradient.data();
  Zero(gradient, m.stride);
  for (int t = 0; t < count; ++t) {
    float* out = m.output + static_cast<size_t>(s.target_rows[t]) * m.stride;
    Axpy(g[t], out, gradient, m.stride);
    Axpy(g[t], hidden, out, m.stride);
  }
  ++s.examples;
}

}  // namespace

SgnsScratch::SgnsScratch(const SgnsModel& model, uint64_t seed)
    : rng(seed),
      hidden(model.stride),
      gradient(model.stride),
      scores(static_cast<size_t>(2 * model.window) * (model.negative + 1)),
      target_delta(static_cast<size_t>(model.negative + 1) * model.stride),
      target_rows(model.negative + 1),
      context_vectors(2 * model.window),
      target_vectors(model.negative + 1) {}

SONGVEC_MULTIVERSION
void SkipGramPairs(std::span<const int32_t> sentence, float alpha, const SgnsModel& m,
                   SgnsScratch& s) {
  for (size_t i = 0; i < sentence.size(); ++i) {
    size_t begin, end;
    Window(i, sentence.size(), m.window, s.rng, &begin, &end);
    for (size_t j = begin; j < end; ++j) {
      if (j == i) continue;
      float* hidden = m.input + static_cast<size_t>(sentence[j]) * m.stride;
      ScoreAgainstNegatives(hidden, sentence[i], alpha, m, s);
      Axpy(1.0f, s.gradient.data(), hidden, m.stride);
    }
  }
}

SONGVEC_MULTIVERSION
void SkipGramWindows(std::span<const int32_t> sentence, float alpha, const SgnsModel& m,
                     SgnsScratch& s) {
  const int stride = m.stride;
  float** context = s.context_vectors.data();
  float** target = s.target_vectors.data();
  float* g = s.scores.data();
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
    // C: the context rows; T: the target rows (the centre, then the negatives).
    // G = (labels - sigmoid(C T')) * alpha
    for (int c = 0; c < contexts; ++c) {
      float* row = g + c * targets;
      for (int k = 0; k < targets; ++k) row[k] = Dot(context[c], target[k], stride);
      loss += GradientRow(row, targets, alpha);
    }
    // dT = G' C, from C before it changes. Each block of a delta is summed in registers.
    for (int k = 0; k < targets; ++k) {
      for (int b = 0; b < stride; b += kLanes) {
        Store(&s.target_delta[k * stride + b],
              WeightedSum(
                  contexts, b, [&](int c) { return g[c * targets + k]; },
                  [&](int c) { return context[c]; }));
      }
    }
    // C += G T, from T before it changes.
    for (int c = 0; c < contexts; ++c) {
      for (int b = 0; b < stride; b += kLanes) {
        const Lanes sum = WeightedSum(
            targets, b, [&](int k) { return g[c * targets + k]; },
            [&](int k) { return target[k]; });
        Store(context[c] + b, Load(context[c] + b) + sum);
      }
    }
    // T += dT. Adding (not overwriting) keeps what other threads did meanwhile, and a row drawn
    // twice gets both its deltas.
    for (int k = 0; k < targets; ++k) Axpy(1.0f, &s.target_delta[k * stride], target[k], stride);
    s.examples += contexts;
  }
  s.loss += loss;
}

SONGVEC_MULTIVERSION
void Cbow(std::span<const int32_t> sentence, float alpha, const SgnsModel& m, SgnsScratch& s) {
  float* hidden = s.hidden.data();
  for (size_t i = 0; i < sentence.size(); ++i) {
    size_t begin, end;
    Window(i, sentence.size(), m.window, s.rng, &begin, &end);
    if (end - begin < 2) continue;
    Zero(hidden, m.stride);
    for (size_t j = begin; j < end; ++j) {
      if (j != i)
        Axpy(1.0f, m.input + static_cast<size_t>(sentence[j]) * m.stride, hidden, m.stride);
    }
    const float inverse = 1.0f / static_cast<float>(end - begin - 1);
    for (int d = 0; d < m.stride; ++d) hidden[d] *= inverse;
    ScoreAgainstNegatives(hidden, sentence[i], alpha, m, s);
    for (size_t j = begin; j < end; ++j) {
      if (j != i) {
        Axpy(1.0f, s.gradient.data(), m.input + static_cast<size_t>(sentence[j]) * m.stride,
             m.stride);
      }
    }
  }
}

}  // namespace songvec
