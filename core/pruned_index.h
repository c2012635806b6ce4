#ifndef SONGVEC_CORE_PRUNED_INDEX_H_
#define SONGVEC_CORE_PRUNED_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/flat_index.h"
#include "core/index.h"
#include "core/quantized_rows.h"

namespace songvec {

// Exact search that scores only the rows that bounds cannot rule out (what faiss's IndexRefineFlat
// does, with rigorous bounds instead of a k_factor). At construction the rows are laid out in
// blocks of 16 near rows (k-means clusters, each split along its principal axes), and each block
// has a ball around its center that bounds its rows' scores. A search bounds every block's ball
// from int8 codes of the centers, visits the few blocks with the best bounds first, then skips
// every block whose bound is below the k-th best score found so far, bounds each remaining row's
// score from below and above from int8 codes of its offset from its block's center (QuantizedRows:
// rows of a tight cluster get tight bounds), and scores exactly, with the
// FlatIndex's own arithmetic, only the rows whose upper bound reaches the k-th best lower bound.
// Rows with an extra score (a blend's count term, on hundreds of thousands of rows for a popular
// seed) are scored exactly where they can reach: the largest extras first, to raise the floor,
// and after the blocks' visits the others whose extra plus their block's ball's bound reaches the
// floor. What is skipped cannot be among the k best, so the answer is FlatIndex's: the same rows
// and scores. Runs at the FlatIndex's SIMD level. Immutable after construction; Search() is
// thread-safe.
class PrunedIndex : public Index {
 public:
  // Over the rows of `flat` (not null), which it keeps, laid out as `layout` (Layout() of these
  // rows, or one ValidLayout() accepts), or if it is empty as Layout() lays them out.
  explicit PrunedIndex(std::shared_ptr<const FlatIndex> flat, IndexLayout layout = {});

  // Blocks of 16 near rows: k-means clusters (about 128 rows each, at most 1,024 clusters fit on a
  // sample), each split along its principal axes, so that a block's ball is small. Deterministic;
  // grows as rows x clusters (about 10 s for a million rows).
  static IndexLayout Layout(const FlatIndex& flat);
  // Whether `layout` lays out rows 0..rows-1: each exactly once, in whole blocks whose padding
  // (-1) comes after their rows.
  static bool ValidLayout(std::span<const int32_t> layout, size_t rows);

  size_t size() const override { return flat_->size(); }
  int dim() const override { return flat_->dim(); }
  const char* name() const override { return "pruned"; }
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const RowFilter& exclude,
                               std::span<const Neighbor> extra = {}) const override {
    return Search(query, k, exclude, extra, nullptr);
  }

  // What one search did, for tests and benchmarks: blocks whose rows' codes were bounded, and rows
  // scored exactly (extra rows included).
  struct Stats {
    size_t blocks = 0;
    size_t scored = 0;
  };
  // Search() that also adds what it did to `stats` (may be null).
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const RowFilter& exclude,
                               std::span<const Neighbor> extra, Stats* stats) const;

 private:
  std::shared_ptr<const FlatIndex> flat_;
  // The row at each position of quantized_ (-1: padding), the rows' codes in that order, and the
  // balls of its blocks (row b: block b's center). Empty for an index of no rows.
  IndexLayout order_;
  std::optional<QuantizedRows> quantized_;
  std::optional<QuantizedRows> balls_;
  // Each row's block: the index of its position in order_ / kBlockRows.
  std::vector<uint32_t> block_of_row_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_PRUNED_INDEX_H_
