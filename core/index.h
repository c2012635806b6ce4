#ifndef SONGVEC_CORE_INDEX_H_
#define SONGVEC_CORE_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace songvec {

struct Neighbor {
  int32_t row;
  float score;
};

// True when `a` ranks before `b`: the higher score, ties to the lower row.
inline bool RanksBefore(const Neighbor& a, const Neighbor& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// Returns true for rows a search must skip (the query songs, songs already in a playlist).
// Called only for rows that would otherwise enter the result, so it may be moderately expensive.
using RowFilter = std::function<bool(int32_t row)>;

enum class Similarity {
  // Cosine: rows are L2-normalised once and the query is normalised; scores lie in [-1, 1].
  kCosine,
  // Inner product plus a per-row bias: score(row) = row . query + bias[row].
  kDot,
};

// Nearest-neighbour search over the rows of one matrix, the shape of hnswlib's AlgorithmInterface
// and faiss's Index: implementations are interchangeable, and every one is tested against
// FlatIndex, which scores every row and is the oracle. Ties go to the lower row (the more frequent
// song), so an exact index's results are a strict, reproducible order. Implementations are
// immutable after construction; Search() is thread-safe.
class Index {
 public:
  virtual ~Index() = default;

  // Rows searched, and the query's dimension.
  virtual size_t size() const = 0;
  virtual int dim() const = 0;
  // "flat" or "pruned": what answers, for logs and benchmarks.
  virtual const char* name() const = 0;

  // The min(k, eligible rows) best rows for `query` (dim() floats), best first, skipping rows for
  // which `exclude` (may be empty) returns true. `extra` adds a score to some rows (sorted by
  // row, each row once): next scores' count term.
  virtual std::vector<Neighbor> Search(std::span<const float> query, size_t k,
                                       const RowFilter& exclude,
                                       std::span<const Neighbor> extra = {}) const = 0;
};

class FlatIndex;

// How a PrunedIndex lays out its rows in blocks: the row at each position, -1 for padding at the
// end of a block. Computed once (PrunedIndex::Layout, a clustering) and stored with a model, so
// that loading it does not cluster again; empty: computed where needed.
using IndexLayout = std::vector<int32_t>;

// Which index answers a model's searches, chosen when it loads.
enum class IndexPolicy {
  kAuto,    // the model's stored graph (HnswIndex) for similar where it has one; else PrunedIndex
            // from kPrunedMinRows rows up, but for cosine rows at levels whose bounds are scalar
            // code (sse2, neon): FlatIndex
  kFlat,    // FlatIndex: every row scored
  kPruned,  // PrunedIndex at any size
  kHnsw,    // as kAuto, with a graph for similar even where the model stored none (built at load)
};

// Below this many rows, scoring every row costs less than a pruned search and its k-means
// (bench/search_bench: even at 2,000 rows, 1.4x faster at 4,000, 1.8x at 8,000).
constexpr size_t kPrunedMinRows = 4096;

// "auto" / "flat" / "pruned" / "hnsw" and back; InvalidArgument listing them otherwise.
const char* IndexPolicyName(IndexPolicy policy);
Result<IndexPolicy> ParseIndexPolicy(const std::string& name);

// The exact index `policy` picks over the rows of `flat` (kHnsw: as kAuto; the graph is the
// Recommender's), shared, not copied: a PrunedIndex scores its candidates exactly with the
// FlatIndex's own arithmetic, so both give identical answers. A PrunedIndex takes `layout` (empty:
// computes it).
std::shared_ptr<const Index> MakeIndex(std::shared_ptr<const FlatIndex> flat, IndexPolicy policy,
                                       IndexLayout layout = {});

}  // namespace songvec

#endif  // SONGVEC_CORE_INDEX_H_
