#ifndef SONGVEC_CORE_QUANTIZED_ROWS_H_
#define SONGVEC_CORE_QUANTIZED_ROWS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/embeddings.h"
#include "core/isa.h"

namespace songvec {

// A float matrix's rows as 8-bit codes with one scale per row (code = round(x / scale), scale =
// max |x| / 127): bounds of every row's score q . row * factor + bias[row] (+ ||q|| * factor *
// reach[row], for rows that are the centers of balls) for a query q, from a quarter of the floats'
// memory traffic. Where each block of rows has a center (the mean of its rows, near them), a row
// is coded less its block's center, and its score is q . center, in floats once per block, plus
// the bound of q . (row - center): the codes' rounding is then relative to the row's distance from
// the center, not to its length, so near rows get bounds as much tighter as they are near. The
// bounds are rigorous (they cover the rounding of the codes, of the query's own codes and of the
// float arithmetic of both this and an exact score summed in any order), so a search can score
// exactly only the rows the bounds cannot rule out (PrunedIndex).
//
// Bounds() is a scalar loop, the reference, at the scalar and 128-bit levels; AVX2 sums 32 code
// products per vpmaddubsw + vpmaddwd, and AVX-512 VNNI 64 per vpdpbusd. The integer sums are exact,
// the centers' terms computed once for every level, and the float steps the same at every level,
// so every level's bounds are the scalar ones bit for bit, for the same prepared query.
// (vpmaddubsw saturates 16-bit pair sums, so the AVX2 level codes queries to +-64 instead of
// +-127: its bounds are as rigorous, a little wider.) Immutable after construction; thread-safe.
class QuantizedRows {
 public:
  // Rows per block: one AVX-512 register of int32 sums.
  static constexpr size_t kBlockRows = 16;

  // Whether Bounds() has a SIMD kernel at `isa` (AVX2 and AVX-512), not the scalar loop.
  static bool Vectorized(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512; }

  // Position p holds row order[p] of `rows`, or is padding, which never passes, where order[p] is
  // -1; so are the positions past order.size() in the last block. `bias`, and `reach` (a ball's
  // radius, which adds ||q|| * factor * (1 + 1e-4) * reach to the upper bound): one per row, or
  // empty for none. `centers`: one row per block, the center its rows are coded from, or null
  // for none (rows coded as they are). Bounds() runs at `isa`, one of SupportedIsas().
  QuantizedRows(const MatrixRef& rows, std::span<const float> bias, std::span<const int32_t> order,
                const Matrix* centers, std::span<const float> reach = {}, Isa isa = DefaultIsa());

  // Every rounding between a bound and an exact score moves it by at most 2^-24 of the magnitudes
  // involved: of |q . row * factor|, within ||q|| ||row|| factor, by about dim + 8 of them (the
  // dot product's own sum, the codes' products and scales), and of |bias| by a few (the
  // additions). The bounds' margins, relative to those magnitudes, are twice that.
  static double DotMargin(size_t dim) { return (static_cast<double>(dim) + 16) * 0x1p-23; }
  static constexpr double kBiasMargin = 0x1p-21;
  // x rounded up to the next float: a float that bounds a double from above.
  static float RoundUp(double x);
  // An upper bound of a score's bias term: the bias plus kBiasMargin of it, rounded up.
  static float BiasUp(double bias);

  // A ball around rows of a matrix: every row's score is at most center . q * factor + ||q|| *
  // factor * (1 + 1e-4) * reach + max bias, which is what a QuantizedRows of centers with these
  // reaches and biases bounds.
  struct Ball {
    float reach;  // the largest distance from the center, plus margins for rounding
    float bias;   // the largest bias, plus margins for rounding
  };
  // The ball around `members` (at least one) of `rows` (`bias`: one per row, or empty for none),
  // centered on their mean, which goes to `center`.
  static Ball BallAround(const MatrixRef& rows, std::span<const float> bias,
                         std::span<const int32_t> members, Eigen::VectorXf* center);

  size_t blocks() const { return (positions_ + kBlockRows - 1) / kBlockRows; }

  // A query and its factor (>= 0) as Bounds() takes them, for any QuantizedRows of its dimension
  // whose level codes queries as finely or more.
  struct Query {
    std::vector<uint32_t> groups;  // the query's codes, four dimensions per word
    int32_t offset = 0;            // -128 * the sum of the query's codes
    float scale = 0;               // the query codes' scale, times the factor
    float code_error_weight = 0;   // times a row's code error, plus norm_weight times its norm:
    float norm_weight = 0;         //   the half-width of its bounds
    float reach_weight = 0;        // ||q|| * factor * (1 + 1e-4), rounded up: times a reach
    Eigen::VectorXf values;        // the query itself, and its factor: for the centers' terms
    float factor = 0;
    float center_margin_weight = 0;  // times a block's magnitude: the margin of its center's term
  };
  // The query coded for this level: codes up to +-127, +-64 at AVX2.
  Query Prepare(std::span<const float> query, float factor) const;

  // For the positions of `blocks`, the i-th of the j-th block at j * kBlockRows + i: upper >= the
  // score of the row there >= lower; passing[j], the mask of the j-th block's positions whose
  // upper bound is >= floor (never padding), and best[j], their highest upper bound (-infinity for
  // padding only). lower and best may be null: not wanted.
  void Bounds(const Query& query, std::span<const uint32_t> blocks, float floor, float* upper,
              float* lower, uint16_t* passing, float* best) const;

 private:
  // A block is one run of 64-byte lines, read front to back as one stream: `groups_` lines of
  // codes + 128 (kBlockRows rows x 4 dimensions each), then one line per field below, kBlockRows
  // floats each.
  enum Field { kScale, kCodeError, kNorm, kBiasUp, kBiasDown, kReach };
  struct alignas(64) Line {
    uint8_t bytes[64];
  };
  const Line* block(size_t b) const { return lines_.data() + b * (groups_ + fields_); }
  Line* block(size_t b) { return lines_.data() + b * (groups_ + fields_); }
  const float* field(size_t b, Field f) const {
    return reinterpret_cast<const float*>(block(b)[groups_ + f].bytes);
  }
  float* field(size_t b, Field f) { return reinterpret_cast<float*>(block(b)[groups_ + f].bytes); }

  // The levels' Bounds(), in quantized_rows.cc: for the blocks of `blocks`, with their centers'
  // terms rounded up (center_up) and down (center_down), or both null for rows coded as they are.
  using BoundsKernel = void (*)(const QuantizedRows& rows, const Query& query,
                                std::span<const uint32_t> blocks, const float* center_up,
                                const float* center_down, float floor, float* upper, float* lower,
                                uint16_t* passing, float* best);
  friend struct BoundsLevels;

  Isa isa_;
  BoundsKernel bounds_;
  size_t positions_;
  size_t groups_;  // dimensions / 4, rounded up
  size_t fields_;  // kReach + 1 with reaches, else kReach
  // Fields, per position: kScale; kCodeError, ||row - center - scale * codes||, and kNorm,
  // ||row - center||, both rounded up; kBiasUp and kBiasDown, the bias plus and less a margin for
  // the rounding of adding it; kReach, if any.
  std::vector<Line> lines_;
  std::vector<uint16_t> present_;  // per block: the mask of positions that hold a row
  // With centers: each block's center, and its magnitude, ||center|| plus its rows' largest
  // norm, rounded up (the margin of its center's term is relative to it).
  Matrix centers_;
  std::vector<float> magnitude_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_QUANTIZED_ROWS_H_
