#ifndef SONGVEC_CORE_PAIR_SCORES_H_
#define SONGVEC_CORE_PAIR_SCORES_H_

#include <cstdint>
#include <vector>

namespace songvec {

// Scores of song pairs counted in the training playlists, by vocabulary row: how strongly b
// follows a. Cooccurrence (adjacent, both directions) and SequentialRules (directed, gap-decayed)
// are the two; the baselines rank by them and a blend model (Recommender) adds them to its
// embedding's scores. Implementations are immutable and thread-safe.
class PairScores {
 public:
  virtual ~PairScores() = default;

  // Adds `weight` times the score of every song b != `row` after `row` into `scores` (one per
  // vocabulary row, all 0 where not in `touched`), appending each row it makes nonzero for the
  // first time to `touched`. `distance` (>= 1) is how many positions before the song to predict
  // `row` stands: 1 right before it (the last song of a playlist), age + 1 for the song `age`
  // songs before the last. Scores that do not depend on it (Cooccurrence) ignore it.
  virtual void Accumulate(int32_t row, int distance, float weight, std::vector<float>* scores,
                          std::vector<int32_t>* touched) const = 0;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_PAIR_SCORES_H_
