#ifndef SONGVEC_CORE_EVALUATION_H_
#define SONGVEC_CORE_EVALUATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/corpus.h"
#include "core/exact_index.h"
#include "core/vocabulary.h"

namespace songvec {

// Next-song prediction exactly as ../shared/EVALUATION.md defines it: for every consecutive pair
// (a, b), a != b, of the test playlists with both songs in the vocabulary, every vocabulary song
// but a is ranked and r is b's rank.

// The test pairs, as vocabulary rows.
struct NextSongPairs {
  std::vector<std::pair<int32_t, int32_t>> pairs;  // (a, b) with both in the vocabulary
  size_t total = 0;                                // all consecutive pairs with a != b
  double coverage() const {
    return total == 0 ? 0 : static_cast<double>(pairs.size()) / static_cast<double>(total);
  }
};

// Collects the pairs of `test` (keys matched against `vocabulary` by external id).
NextSongPairs CollectPairs(const Corpus& test, const Vocabulary& vocabulary);

// Mean figures at one cut-off k over the scored pairs.
struct RankingMetrics {
  size_t k = 0;
  double hit_rate = 0;  // HR@k: share of pairs with r <= k
  double mrr = 0;       // MRR@k: mean of 1/r, 0 beyond k
  double ndcg = 0;      // NDCG@k: mean of 1/log2(r + 1), 0 beyond k
};

// A ranking: the best `k` rows for source row `a`, best first, `a` itself never among them.
// Must be safe to call from several threads at once.
using Ranker = std::function<std::vector<int32_t>(int32_t a, size_t k)>;

// Scores `ranker` on `pairs` at each cut-off of `ks` (ascending). Each distinct source is ranked
// once; `threads` (>= 1) share the sources. The figures do not depend on the number of threads.
std::vector<RankingMetrics> ScoreRanking(const NextSongPairs& pairs, const std::vector<size_t>& ks,
                                         const Ranker& ranker, int threads);

// Rankers. Each keeps references to its arguments, which must outlive it.

// Cosine similarity of vectors (the model): the index's own order.
Ranker CosineRanker(const ExactIndex& index);

// Popularity: by count, most frequent first; ties to the lower row.
Ranker PopularityRanker(const std::vector<int64_t>& counts);

// How often each song stands right next to `a` (one position before or after) in a training corpus,
// indexed by vocabulary row. The baseline that asks nothing of a model.
class Cooccurrence {
 public:
  // `train` is any corpus; its songs are matched to `vocabulary` by external id and pairs with a
  // song the vocabulary does not know are skipped.
  Cooccurrence(const Corpus& train, const Vocabulary& vocabulary);

  // Neighbours of `row` and how often each stood next to it, by row.
  std::span<const std::pair<int32_t, int32_t>> neighbors(int32_t row) const {
    return {entries_.data() + starts_[row], starts_[row + 1] - starts_[row]};
  }

 private:
  std::vector<size_t> starts_;
  std::vector<std::pair<int32_t, int32_t>> entries_;  // (neighbour row, count)
};

// Co-occurrence counts first; ties and songs never seen next to `a` by `counts`, then the lower
// row.
Ranker CooccurrenceRanker(const Cooccurrence& cooccurrence, const std::vector<int64_t>& counts);

// How often each vocabulary song appears in `train` (0 for songs it lacks): the popularity the
// baselines rank by, taken from the training file so that every model is compared on the same
// counts.
std::vector<int64_t> CountsIn(const Corpus& train, const Vocabulary& vocabulary);

// A model scored beside both baselines of EVALUATION.md on the same pairs.
struct EvaluationReport {
  NextSongPairs pairs;
  std::vector<RankingMetrics> model;  // cosine similarity of the model's vectors
  std::vector<RankingMetrics> popularity;
  std::vector<RankingMetrics> cooccurrence;
};

// Evaluates vectors (row r belongs to vocabulary.key(r)) on `test`, with the baselines' counts
// taken from `train`, at the cut-offs `ks` (ascending), using `threads` threads.
EvaluationReport EvaluateNextSong(const Vocabulary& vocabulary, const Matrix& vectors,
                                  const Corpus& test, const Corpus& train,
                                  const std::vector<size_t>& ks, int threads);

}  // namespace songvec

#endif  // SONGVEC_CORE_EVALUATION_H_
