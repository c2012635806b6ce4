#ifndef SONGVEC_CORE_SEQUENTIAL_RULES_H_
#define SONGVEC_CORE_SEQUENTIAL_RULES_H_

#include <cstdint>
#include <vector>

#include "core/corpus.h"
#include "core/vocabulary.h"

namespace songvec {

// Sequential rules (SR: Ludewig and Jannach 2018) as ../shared/EVALUATION.md defines them: the rule
// score of b after c is the sum, over c's occurrences in the training playlists, of 1/gap^2 for
// each b within kMaxGap positions after c (gap 1: right after), plus kBackward times the same
// counted before c. Directed and gap-decayed, where Cooccurrence is symmetric and adjacent only.
// Scores are computed from the playlists on demand (each of c's occurrences visits 2 kMaxGap
// positions), so nothing grows with the number of distinct pairs. Immutable; thread-safe.
class SequentialRules {
 public:
  static constexpr int kMaxGap = 10;
  static constexpr float kBackward = 0.5f;

  // Over `train`, whose songs are matched to `vocabulary` by external id; songs it does not know
  // keep their positions but score nothing.
  SequentialRules(const Corpus& train, const Vocabulary& vocabulary);

  // Adds `weight` times the rule score of every song b != `row` after `row` into `scores` (one
  // per vocabulary row, all 0 where not in `touched`), appending each row it makes nonzero for the
  // first time to `touched`.
  void Accumulate(int32_t row, float weight, std::vector<float>* scores,
                  std::vector<int32_t>* touched) const;

 private:
  // The playlists' songs as vocabulary rows (-1: unknown), each playlist followed by kEnd.
  static constexpr int32_t kEnd = -2;
  std::vector<int32_t> rows_;
  // The positions in rows_ of each vocabulary row's occurrences, in compressed rows.
  std::vector<size_t> starts_;
  std::vector<uint32_t> positions_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_SEQUENTIAL_RULES_H_
