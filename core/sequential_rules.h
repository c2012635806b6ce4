#ifndef SONGVEC_CORE_SEQUENTIAL_RULES_H_
#define SONGVEC_CORE_SEQUENTIAL_RULES_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/corpus.h"
#include "core/index.h"
#include "core/pair_scores.h"
#include "core/status.h"
#include "core/vocabulary.h"

namespace songvec {

// Sequential rules (SR: Ludewig and Jannach 2018) as ../shared/EVALUATION.md defines them: the rule
// score of b after c is the sum, over c's occurrences in the training playlists, of 1/gap^2 for
// each b within kMaxGap positions after c (gap 1: right after), plus kBackward times the same
// counted before c. Directed and gap-decayed, where Cooccurrence is symmetric and adjacent only.
// That is the score at distance 1, for a song right before the one to predict. A song further
// back in a playlist, at distance d, says most of what came d positions after it: its score
// weighs each gap 1/(1 + |gap - d|)^2 instead, after and (times kBackward) before, which is the
// definition above at d = 1 (README, "Quality": continuation on yes_complete's validation split
// 0.1570 -> 0.1723 at equal recency weights).
// Scores are computed from the playlists on demand (each of c's occurrences visits 2 kMaxGap
// positions), so nothing grows with the number of distinct pairs: what is stored is the playlists
// as rows, 4 bytes an entry. Except for the most played songs, whose rows are computed once, when
// the rules are made: a song's cost grows with its occurrences, and the songs asked about are
// drawn by plays, so at a million songs the few dozen most played were nearly all of it (a head
// song's 70,000 occurrences reach 183,000 songs: 12 ms on demand). Those rows hold at most as many
// scores as the playlists hold entries (8 bytes each), the songs taken most played first. The
// sequential rules baseline, and the count term of blend models (Recommender). Immutable;
// thread-safe.
class SequentialRules : public PairScores {
 public:
  static constexpr int kMaxGap = 10;
  static constexpr float kBackward = 0.5f;

  // Over `train`, whose songs are matched to `vocabulary` by external id; songs it does not know
  // keep their positions but score nothing.
  SequentialRules(const Corpus& train, const Vocabulary& vocabulary);

  // The playlists' songs as vocabulary rows (-1: unknown), each playlist followed by kEnd: what
  // rows() returns, and what a stored model keeps.
  static constexpr int32_t kEnd = -2;
  // From stored rows over a vocabulary of `songs` rows: InvalidArgument naming the first value
  // that is not a row below `songs`, -1 or kEnd, or a last playlist without its kEnd.
  static Result<SequentialRules> FromRows(std::vector<int32_t> rows, size_t songs);
  const std::vector<int32_t>& rows() const { return rows_; }

  // The score of b after `row` is its rule score at `distance`. At distances above 1 a song of
  // more than kMaxOccurrencesByDistance occurrences is scored from that many of them, evenly
  // spaced, its weight scaled to all of them: a sum over a sample, so that a head song costs a
  // bounded time (its rows are computed ahead at distance 1 alone).
  void Accumulate(int32_t row, int distance, float weight, std::vector<float>* scores,
                  std::vector<int32_t>* touched) const override;
  static constexpr size_t kMaxOccurrencesByDistance = 4096;

  // Session-kNN (V-SKNN: Ludewig and Jannach 2018) over the stored playlists: a training
  // playlist's similarity to `seeds` is the sum of the `weights` of the seeds it holds; of the
  // `k` most similar (ties: the earlier playlist), each song they hold gains `weight` times its
  // share of their similarity (the sum over those holding it, over the sum over all k; a song held
  // twice counts once). A seed of more than kMaxOccurrencesByDistance occurrences is looked up in
  // that many, evenly spaced. `scores` and `touched` as in Accumulate(); `similarity` (one per
  // playlist, all 0) and `candidates` are scratch, left as they were given.
  struct NeighborScratch {
    std::vector<float> similarity;
    std::vector<uint32_t> candidates;
    std::vector<int32_t> songs;
  };
  void AccumulateNeighbors(std::span<const int32_t> seeds, std::span<const float> weights,
                           size_t k, float weight, std::vector<float>* scores,
                           std::vector<int32_t>* touched, NeighborScratch* scratch) const;
  size_t playlists() const { return playlist_starts_.empty() ? 0 : playlist_starts_.size() - 1; }

  // Songs with fewer occurrences are never computed ahead.
  static constexpr size_t kMinPrecomputedOccurrences = 64;
  // How many songs' rows were computed ahead.
  size_t precomputed() const {
    return precomputed_starts_.empty() ? 0 : precomputed_starts_.size() - 1;
  }

 private:
  SequentialRules() = default;
  // Indexes rows_ (set) by song: starts_ and positions_, for `songs` vocabulary rows; then
  // computes the most played songs' rows ahead.
  void IndexPositions(size_t songs);
  // Accumulate() from the playlists.
  void AccumulateOccurrences(int32_t row, int distance, float weight, std::vector<float>* scores,
                             std::vector<int32_t>* touched) const;

  std::vector<int32_t> rows_;
  // The positions in rows_ of each vocabulary row's occurrences, in compressed rows.
  std::vector<size_t> starts_;
  std::vector<uint32_t> positions_;
  // The playlist of each entry of positions_, and where each playlist starts in rows_ (one more:
  // rows_.size()).
  std::vector<uint32_t> playlist_of_;
  std::vector<size_t> playlist_starts_;
  // The rows computed ahead: each song's index into precomputed_starts_ (-1: none), and there
  // the range of its songs with their scores at weight 1 in precomputed_, in song order.
  std::vector<int32_t> precomputed_of_row_;
  std::vector<size_t> precomputed_starts_;
  std::vector<Neighbor> precomputed_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_SEQUENTIAL_RULES_H_
