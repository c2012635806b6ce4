#ifndef SONGVEC_CORE_COOCCURRENCE_H_
#define SONGVEC_CORE_COOCCURRENCE_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/corpus.h"
#include "core/pair_scores.h"
#include "core/vocabulary.h"

namespace songvec {

// How often each pair of songs stood right next to each other (one position before or after) in
// training playlists, by vocabulary row: a sparse symmetric matrix in compressed rows. The count
// behind EVALUATION.md's co-occurrence baseline, and the count term of blend models stored before
// sequential rules replaced it. Immutable; thread-safe.
class Cooccurrence : public PairScores {
 public:
  // Counts the adjacent pairs of `train`, whose songs are matched to `vocabulary` by external id;
  // pairs with a song the vocabulary does not know, or a song next to itself, are skipped.
  Cooccurrence(const Corpus& train, const Vocabulary& vocabulary);

  // From stored rows: `starts` has rows + 1 ascending offsets into `entries`, whose (row, count)
  // pairs are sorted by row within each row's range.
  Cooccurrence(std::vector<size_t> starts, std::vector<std::pair<int32_t, int32_t>> entries)
      : starts_(std::move(starts)), entries_(std::move(entries)) {}

  size_t rows() const { return starts_.size() - 1; }
  // The compressed rows as the second constructor takes them.
  const std::vector<size_t>& starts() const { return starts_; }
  const std::vector<std::pair<int32_t, int32_t>>& entries() const { return entries_; }
  // Neighbours of `row` and how often each stood next to it, sorted by row.
  std::span<const std::pair<int32_t, int32_t>> neighbors(int32_t row) const {
    return {entries_.data() + starts_[row], starts_[row + 1] - starts_[row]};
  }
  // The score of b after `row` is how often they stood next to each other, at any distance.
  void Accumulate(int32_t row, int distance, float weight, std::vector<float>* scores,
                  std::vector<int32_t>* touched) const override;

 private:
  std::vector<size_t> starts_;
  std::vector<std::pair<int32_t, int32_t>> entries_;  // (neighbour row, count)
};

}  // namespace songvec

#endif  // SONGVEC_CORE_COOCCURRENCE_H_
