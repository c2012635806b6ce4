#ifndef SONGVEC_CORE_HNSW_INDEX_H_
#define SONGVEC_CORE_HNSW_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/flat_index.h"
#include "core/index.h"
#include "core/status.h"

namespace hnswlib {
template <typename dist_t>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace songvec {

// Approximate cosine search over a FlatIndex's unit rows with a hierarchical navigable small-world
// graph (Malkov and Yashunin 2016; hnswlib from Debian's libhnswlib-dev), for catalogs where an
// exact search of cosine scores, which crowd together, costs milliseconds. The rows the graph
// finds are scored again with the FlatIndex's own arithmetic, so a row's score is exactly the
// FlatIndex's; which rows come back is approximate (Recall() measures it). `exclude` keeps its
// meaning: the graph is asked for more rows, twice as many each time, until k pass; beyond
// kMaxGraphResults the FlatIndex answers. Immutable after construction; Search() is thread-safe.
class HnswIndex : public Index {
 public:
  // Candidates kept while searching (hnswlib's ef), at least the rows asked for.
  static constexpr size_t kSearchCandidates = 64;
  struct Options {
    // Links per row and level (hnswlib's M; 2M on the bottom level). Default: 16.
    size_t links = 16;
    // Candidates kept while a row is linked in. Default: 200 (hnswlib's; 100 builds bench/scale.sh's
    // million songs in 47 s instead of 81-89, at a recall@10 0.002 lower on the same vectors).
    size_t build_candidates = 200;
    // Default: kSearchCandidates.
    size_t search_candidates = kSearchCandidates;
    // Threads that link rows in. Default: 1.
    int threads = 1;
  };
  // More rows than this are never asked of the graph: the FlatIndex answers.
  static constexpr size_t kMaxGraphResults = 2000;

  // Builds the graph over the rows of `flat` (kCosine; not null), which it keeps. Deterministic for
  // one thread; with more, the links depend on the order the threads insert rows in.
  HnswIndex(std::shared_ptr<const FlatIndex> flat, const Options& options);
  // The graph Serialize() wrote for the rows of `flat`; Corruption if `graph` is not one (or not
  // for as many rows, or the temporary file it is read through cannot be written).
  static Result<std::unique_ptr<HnswIndex>> Load(std::shared_ptr<const FlatIndex> flat,
                                                 std::span<const std::byte> graph,
                                                 size_t search_candidates = kSearchCandidates);
  ~HnswIndex() override;

  // The graph as bytes (hnswlib's own format), to store with a model; IoError if the temporary
  // file it is written through cannot be.
  Result<std::string> Serialize() const;

  size_t size() const override { return flat_->size(); }
  int dim() const override { return flat_->dim(); }
  const char* name() const override { return "hnsw"; }
  // `extra` must be empty: cosine searches have none.
  std::vector<Neighbor> Search(std::span<const float> query, size_t k, const RowFilter& exclude,
                               std::span<const Neighbor> extra = {}) const override;

  // recall@k against the FlatIndex: over the rows `queries`, each the query with itself excluded,
  // the mean share of the flat index's k best rows that this index returns.
  double Recall(size_t k, std::span<const int32_t> queries) const;

 private:
  explicit HnswIndex(std::shared_ptr<const FlatIndex> flat);

  std::shared_ptr<const FlatIndex> flat_;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_HNSW_INDEX_H_
