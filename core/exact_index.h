#ifndef SONGVEC_CORE_EXACT_INDEX_H_
#define SONGVEC_CORE_EXACT_INDEX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/embeddings.h"
#include "core/quantized_rows.h"

namespace songvec {

struct Neighbor {
  int32_t row;
  float score;
};

// Returns true for rows a search must skip (the query songs, songs already in a playlist).
// Called only for rows that would otherwise enter the result, so it may be moderately expensive.
using RowFilter = std::function<bool(int32_t row)>;

enum class Similarity {
  // Cosine: rows are L2-normalised once and the query is normalised; scores lie in [-1, 1].
  kCosine,
  // Inner product plus a per-row bias: score(row) = row . query + bias[row].
  kDot,
};

// Exact nearest neighbours. Ties go to the lower row (the more frequent song), so results are a
// strict, reproducible order. Where the CPU has AVX-512 VNNI, the rows are laid out in blocks of
// 16 near rows (k-means clusters, each split along its principal axes), and each block has a ball
// around its center that bounds its rows' scores. A search bounds every block's ball from int8
// codes of the centers, visits the few blocks with the best bounds first, then skips every block
// whose bound is below the k-th best score found so far, bounds each remaining row's score from
// below and above from int8 codes (QuantizedRows), and scores exactly only the rows whose upper
// bound reaches the k-th best lower bound. What is skipped cannot be among the k best, so the
// answer is exact (up to the order of near-ties within float rounding, as any two summation
// orders). Elsewhere every row is scored. Immutable after construction; Search() is thread-safe.
class ExactIndex {
 public:
  // Copies `vectors` into one contiguous float32 matrix (normalising its rows for kCosine; a zero
  // row stays zero and scores 0). `bias` is one value per row, or empty for none; kDot only.
  ExactIndex(const Matrix& vectors, Similarity similarity, std::vector<float> bias = {});

  size_t size() const { return static_cast<size_t>(rows_.rows()); }
  int dim() const { return static_cast<int>(rows_.cols()); }
  // Row `row` as the index holds it (unit length for kCosine).
  std::span<const float> row(int32_t row) const {
    return {rows_.data() + static_cast<size_t>(row) * rows_.cols(),
            static_cast<size_t>(rows_.cols())};
  }

  // The min(k, eligible rows) best rows for `query` (dim() floats), best first, skipping rows for
  // which `exclude` (may be empty) returns true. `extra` adds a score to some rows (sorted by
  // row, each row once): next scores' co-occurrence term.
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const RowFilter& exclude,
                               std::span<const Neighbor> extra = {}) const;

 private:
  // Lays the rows out in blocks of near rows, and makes the blocks' balls.
  void Partition();
  // Every row scored exactly.
  std::vector<Neighbor> ScoreAll(const Eigen::VectorXf& query, float factor, size_t k,
                                 const RowFilter& exclude, std::span<const Neighbor> extra) const;
  // Only the rows that neither their block's bound nor their own rule out scored exactly.
  std::vector<Neighbor> ScoreBounded(const Eigen::VectorXf& query, float factor, size_t k,
                                     const RowFilter& exclude,
                                     std::span<const Neighbor> extra) const;
  float Score(const Eigen::VectorXf& query, float factor, int32_t row) const {
    return rows_.row(row).dot(query) * factor + bias_[row];
  }

  Similarity similarity_;
  Matrix rows_;
  std::vector<float> bias_;  // one per row
  // Only where the CPU can use them: the row at each position of quantized_ (-1: padding), the
  // rows' codes in that order, and the balls of its blocks (row b: block b's center).
  std::vector<int32_t> order_;
  std::optional<QuantizedRows> quantized_;
  std::optional<QuantizedRows> balls_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_EXACT_INDEX_H_
