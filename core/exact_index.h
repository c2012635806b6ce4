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
  float score;  // cosine similarity to the query
};

// Returns true for rows a search must skip (the query song itself, songs already in a playlist).
// Called only for rows that would otherwise enter the result, so it may be moderately expensive.
using RowFilter = std::function<bool(int32_t row)>;

// Exact nearest neighbours by cosine similarity: every row scored, the best k kept by partial
// selection. The oracle any approximate index is tested against. Ties are broken by the lower row
// (the more frequent song), so results are a strict, reproducible order. Immutable after
// construction; Search() is thread-safe.
class ExactIndex {
 public:
  // Copies `vectors` into one contiguous float32 matrix and L2-normalises every row once (a zero
  // row stays zero and scores 0 against everything).
  explicit ExactIndex(const Matrix& vectors);

  size_t size() const { return static_cast<size_t>(unit_.rows()); }
  int dim() const { return static_cast<int>(unit_.cols()); }
  // Row `row` normalised to unit length.
  std::span<const float> unit_row(int32_t row) const {
    return {unit_.data() + static_cast<size_t>(row) * unit_.cols(),
            static_cast<size_t>(unit_.cols())};
  }

  // The min(k, eligible rows) rows most similar to `query` (dim() floats, any non-zero length),
  // best first, skipping rows for which `exclude` (may be empty) returns true.
  std::vector<Neighbor> Search(std::span<const float> query, size_t k,
                               const RowFilter& exclude) const;

 private:
  Matrix unit_;
};

// The `k` best of `scores` (one per row) in the index's order: higher score first, ties to the
// lower row, skipping excluded rows. Shared by every ranking so that all of them break ties alike.
std::vector<Neighbor> TopK(std::span<const float> scores, size_t k, const RowFilter& exclude);

}  // namespace songvec

#endif  // SONGVEC_CORE_EXACT_INDEX_H_
