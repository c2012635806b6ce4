#include "core/flat_index.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <new>

#include "core/lanes.h"

namespace songvec {
namespace {

using lanes::Lanes;

// Rows scored at a time: their scores stay in L1 until the heap has seen them.
constexpr size_t kChunkRows = 256;

// One row's score at W floats per vector. Search() and Score() both go through it, so a row's
// score is the same float whichever asks.
template <int W>
SONGVEC_INLINE float ScoreRowAt(const float* row, const float* query, int stride, float factor,
                                float bias) {
  using L = Lanes<W>;
  typename L::V sum = L::Load(row) * L::Load(query);
  for (int i = W; i < stride; i += W) sum += L::Load(row + i) * L::Load(query + i);
  return L::Sum(sum) * factor + bias;
}

template <int W>
SONGVEC_INLINE void ScoreRowsAt(const float* rows, size_t count, int stride, const float* query,
                                float factor, const float* bias, float* scores) {
  for (size_t r = 0; r < count; ++r) {
    scores[r] =
        ScoreRowAt<W>(rows + r * static_cast<size_t>(stride), query, stride, factor, bias[r]);
  }
}

#define SONGVEC_FLAT_LEVEL(NAME, W, ATTRIBUTES)                                                    \
  ATTRIBUTES float ScoreRow##NAME(const float* row, const float* query, int stride, float factor,  \
                                  float bias) {                                                    \
    return ScoreRowAt<W>(row, query, stride, factor, bias);                                        \
  }                                                                                                \
  ATTRIBUTES void ScoreRows##NAME(const float* rows, size_t count, int stride, const float* query, \
                                  float factor, const float* bias, float* scores) {                \
    ScoreRowsAt<W>(rows, count, stride, query, factor, bias, scores);                              \
  }

SONGVEC_FLAT_LEVEL(Scalar, 1, )
SONGVEC_FLAT_LEVEL(Vec128, 4, )
#if defined(SONGVEC_X86)
SONGVEC_FLAT_LEVEL(Avx2, 8, SONGVEC_TARGET_AVX2)
#endif
#if defined(SONGVEC_HAS_AVX512)
SONGVEC_FLAT_LEVEL(Avx512, 16, SONGVEC_TARGET_AVX512)
#endif

}  // namespace

void FlatIndex::Free::operator()(float* p) const { std::free(p); }

FlatIndex::FlatIndex(const Matrix& vectors, Similarity similarity, std::vector<float> bias, Isa isa)
    : similarity_(similarity),
      isa_(isa),
      rows_(static_cast<size_t>(vectors.rows())),
      dim_(static_cast<int>(vectors.cols())),
      stride_((dim_ + 15) / 16 * 16),
      bias_(std::move(bias)) {
  assert(bias_.empty() || (similarity == Similarity::kDot && bias_.size() == rows_));
  bias_.resize(rows_, 0.0f);
  const size_t floats = std::max<size_t>(rows_ * stride_, 16);
  data_.reset(static_cast<float*>(std::aligned_alloc(64, floats * sizeof(float))));
  if (data_ == nullptr) throw std::bad_alloc();
  std::fill_n(data_.get(), floats, 0.0f);
  for (size_t r = 0; r < rows_; ++r) {
    float* row = data_.get() + r * stride_;
    std::copy_n(vectors.row(static_cast<Eigen::Index>(r)).data(), dim_, row);
    if (similarity == Similarity::kCosine) {
      double squares = 0;
      for (int d = 0; d < dim_; ++d) squares += double{row[d]} * row[d];
      const auto norm = static_cast<float>(std::sqrt(squares));
      if (norm > 0) {
        for (int d = 0; d < dim_; ++d) row[d] /= norm;
      }
    }
  }
  switch (isa) {
#if defined(SONGVEC_HAS_AVX512)
    case Isa::kAvx512:
      score_row_ = ScoreRowAvx512;
      score_rows_ = ScoreRowsAvx512;
      break;
#endif
#if defined(SONGVEC_X86)
    case Isa::kAvx2:
      score_row_ = ScoreRowAvx2;
      score_rows_ = ScoreRowsAvx2;
      break;
#endif
    case Isa::kVec128:
      score_row_ = ScoreRowVec128;
      score_rows_ = ScoreRowsVec128;
      break;
    default:
      assert(isa == Isa::kScalar && "FlatIndex: a level this build does not hold");
      score_row_ = ScoreRowScalar;
      score_rows_ = ScoreRowsScalar;
  }
}

FlatIndex::Query FlatIndex::Prepare(std::span<const float> query) const {
  assert(query.size() == static_cast<size_t>(dim_));
  Query prepared{std::vector<float>(stride_, 0.0f), 1.0f};
  std::copy(query.begin(), query.end(), prepared.padded.begin());
  if (similarity_ == Similarity::kCosine) {
    double squares = 0;
    for (float x : query) squares += double{x} * x;
    if (squares > 0) prepared.factor = static_cast<float>(1 / std::sqrt(squares));
  }
  return prepared;
}

std::vector<Neighbor> FlatIndex::Search(std::span<const float> query, size_t k,
                                        const RowFilter& exclude,
                                        std::span<const Neighbor> extra) const {
  std::vector<Neighbor> heap;
  if (k == 0) return heap;
  const Query prepared = Prepare(query);
  // A heap of the best k so far with the worst on top: most rows lose against the top and cost
  // one comparison, so this is O(n + k log k log n) in practice.
  heap.reserve(k + 1);
  float scores[kChunkRows];
  const Neighbor* next_extra = extra.data();
  const Neighbor* const extra_end = extra.data() + extra.size();
  for (size_t first = 0; first < rows_; first += kChunkRows) {
    const size_t count = std::min(kChunkRows, rows_ - first);
    score_rows_(data_.get() + first * stride_, count, stride_, prepared.padded.data(),
                prepared.factor, bias_.data() + first, scores);
    for (; next_extra != extra_end && static_cast<size_t>(next_extra->row) < first + count;
         ++next_extra) {
      scores[next_extra->row - first] += next_extra->score;
    }
    for (size_t i = 0; i < count; ++i) {
      const Neighbor candidate{static_cast<int32_t>(first + i), scores[i]};
      if (heap.size() == k && !RanksBefore(candidate, heap.front())) continue;
      if (exclude && exclude(candidate.row)) continue;
      heap.push_back(candidate);
      std::push_heap(heap.begin(), heap.end(), RanksBefore);
      if (heap.size() > k) {
        std::pop_heap(heap.begin(), heap.end(), RanksBefore);
        heap.pop_back();
      }
    }
  }
  std::sort_heap(heap.begin(), heap.end(), RanksBefore);
  return heap;
}

}  // namespace songvec
