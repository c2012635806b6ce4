#ifndef SONGVEC_CORE_FLAT_INDEX_H_
#define SONGVEC_CORE_FLAT_INDEX_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/embeddings.h"
#include "core/index.h"
#include "core/isa.h"

namespace songvec {

// A view of rows laid out with a stride: what the indexes read their rows through.
using RowsView = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;

// Exact search by scoring every row (hnswlib's BruteforceSearch, faiss's IndexFlat), keeping the
// best k in a heap as it goes: the oracle every other index is tested against, and the rows and
// arithmetic a PrunedIndex refines its candidates with. Rows are held in 64-byte aligned rows of
// stride() floats (the dimension rounded up to 16, zero padded), scored by the kernel of one SIMD
// level. Immutable after construction; Search() is thread-safe.
class FlatIndex : public Index {
 public:
  // Copies `vectors` (normalising its rows for kCosine; a zero row stays zero and scores 0). `bias`
  // is one value per row, or empty for none; kDot only. `isa` is one of SupportedIsas().
  FlatIndex(const Matrix& vectors, Similarity similarity, std::vector<float> bias = {},
            Isa isa = DefaultIsa());

  size_t size() const override { return rows_; }
  int dim() const override { return dim_; }
  const char* name() const override { return "flat"; }
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const RowFilter& exclude,
                               std::span<const Neighbor> extra = {}) const override;

  Similarity similarity() const { return similarity_; }
  Isa isa() const { return isa_; }
  int stride() const { return stride_; }
  // Every row as the index holds it (unit length for kCosine), dim() columns.
  RowsView rows() const { return {data_.get(), static_cast<Eigen::Index>(rows_), dim_, {stride_}}; }
  std::span<const float> row(int32_t row) const {
    return {data_.get() + static_cast<size_t>(row) * stride_, static_cast<size_t>(dim_)};
  }
  std::span<const float> bias() const { return bias_; }

  // A query as Score() takes it: dim() floats copied into stride() zero-padded ones, and the
  // factor its dot products are scaled by (1 / its norm for kCosine, else 1).
  struct Query {
    std::vector<float> padded;
    float factor;
  };
  Query Prepare(std::span<const float> query) const;
  // The score of `row` for `query`, exactly as Search() ranks it.
  float Score(const Query& query, int32_t row) const {
    return score_row_(data_.get() + static_cast<size_t>(row) * stride_, query.padded.data(),
                      stride_, query.factor, bias_[row]);
  }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  using ScoreRow = float (*)(const float* row, const float* query, int stride, float factor,
                             float bias);
  using ScoreRows = void (*)(const float* rows, size_t count, int stride, const float* query,
                             float factor, const float* bias, float* scores);

  Similarity similarity_;
  Isa isa_;
  size_t rows_;
  int dim_, stride_;
  std::unique_ptr<float[], Free> data_;  // rows_ x stride_
  std::vector<float> bias_;              // one per row
  ScoreRow score_row_;                   // isa_'s kernels
  ScoreRows score_rows_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_FLAT_INDEX_H_
