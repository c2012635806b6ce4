#ifndef SONGVEC_CORE_EXACT_INDEX_H_
#define SONGVEC_CORE_EXACT_INDEX_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/embeddings.h"

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

// Exact nearest neighbours: every row scored with one matrix-vector product, the best k kept by
// partial selection. The oracle any approximate index is tested against. Ties go to the lower row
// (the more frequent song), so results are a strict, reproducible order. Immutable after
// construction; Search() is thread-safe.
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

  // The score of every row for `query` (dim() floats).
  Eigen::VectorXf Scores(std::span<const float> query) const;

  // The min(k, eligible rows) best rows for `query`, best first, skipping rows for which `exclude`
  // (may be empty) returns true: TopK of Scores(query).
  std::vector<Neighbor> Search(std::span<const float> query, size_t k,
                               const RowFilter& exclude) const;

 private:
  Similarity similarity_;
  Matrix rows_;
  Eigen::VectorXf bias_;  // empty: no bias
};

// The `k` best of `scores` (one per row): higher score first, ties to the lower row, skipping
// excluded rows. Shared by every ranking so that all of them break ties alike.
std::vector<Neighbor> TopK(std::span<const float> scores, size_t k, const RowFilter& exclude);

}  // namespace songvec

#endif  // SONGVEC_CORE_EXACT_INDEX_H_
