#ifndef SONGVEC_CORE_SCORING_CHOICE_H_
#define SONGVEC_CORE_SCORING_CHOICE_H_

#include <optional>
#include <vector>

#include "core/evaluation.h"
#include "core/recommender.h"
#include "core/status.h"

namespace songvec {

// How a model continues a playlist depends on the playlists: radio logs (yes.com) say most with
// each song's rules at its distance, a slow recency decay and the playlist's songs free to come
// back; people's playlists (MPD) with raw sums, a fast decay and no repeats (README, "Quality").
// So `train` measures them on validation playlists, and these are the values it tries; a value
// given (set) is kept as it is.
// The most neighbours, and the largest weight of theirs, a model may be given.
constexpr int kMaxNeighbors = 1000;

struct ContinuationChoices {
  std::optional<bool> rules_per_play;     // tried: true, false
  std::optional<bool> rules_by_distance;  // tried: false, true
  std::optional<float> context_decay;     // tried: 0.5, 0.7, 0.85
  std::optional<bool> repeats;            // tried with repeat_weight, below
  std::optional<float> repeat_weight;     // tried: 1, 0.25, 0 (with repeats)
  std::optional<int> neighbors;           // tried: 10, 20, each at every weight below
  std::optional<float> neighbors_weight;  // tried: 3, 10, 30

  // InvalidArgument naming the value unless the decay given is from 0.01 to 1 (0 would weigh
  // every seed but the last 0), the repeat weight from 0 to 1, the neighbours from 0 to 1000 and
  // their weight from 0 to 1000.
  Status Validate() const;
};

// `base` with the choices `given` sets, and for the others the values ChooseContinuation starts
// from: rules_per_play true, rules_by_distance false, context_decay kRecencyDecay, no repeats,
// repeat_weight 1, no neighbours.
NextScoring ContinuationStart(const NextScoring& base, const ContinuationChoices& given);

// One setting tried, and its continuation HR@10 on the validation pairs.
struct ContinuationTrial {
  NextScoring scoring;
  double hit_rate = 0;
};

// The NextScoring of `model` (which has_next(), its pairs counted in playlists that do not hold
// the validation ones) with every unset choice of `given` chosen by HR@10 of continuation
// (Recommender::Continue, next) on `validation` (pairs with their contexts), one choice after the
// other in the order above, from ContinuationStart(): each value is kept where it scores higher
// than the best so far (ties keep the earlier). Every setting scored is appended to `trials` (may
// be null), the first being the start. `threads` (>= 1) score in parallel.
NextScoring ChooseContinuation(const Recommender& model, const ContinuationChoices& given,
                               const NextSongPairs& validation, int threads,
                               std::vector<ContinuationTrial>* trials);

}  // namespace songvec

#endif  // SONGVEC_CORE_SCORING_CHOICE_H_
