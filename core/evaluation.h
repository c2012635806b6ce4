#ifndef SONGVEC_CORE_EVALUATION_H_
#define SONGVEC_CORE_EVALUATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/cooccurrence.h"
#include "core/corpus.h"
#include "core/index.h"
#include "core/pair_scores.h"
#include "core/recommender.h"
#include "core/sequential_rules.h"
#include "core/vocabulary.h"

namespace songvec {

// Next-song prediction exactly as ../shared/EVALUATION.md defines it: for every consecutive pair
// (a, b), a != b, of the test playlists with both songs in the vocabulary, every vocabulary song
// but a is ranked and r is b's rank. Given one song, a (the one-song protocol), or the playlist so
// far, up to a (continuation: "Metric: continuation").

// The test pairs, as vocabulary rows.
struct NextSongPairs {
  std::vector<std::pair<int32_t, int32_t>> pairs;  // (a, b) with both in the vocabulary (scored)
  // Continuation only (else empty): each pair's playlist so far, its last `context` songs with
  // those outside the vocabulary dropped, most recent (a) last.
  std::vector<std::vector<int32_t>> contexts;
  size_t total = 0;          // all consecutive pairs with a != b
  size_t in_vocabulary = 0;  // pairs with both songs in the vocabulary: pairs, unless sampled
  double coverage() const {
    return total == 0 ? 0 : static_cast<double>(in_vocabulary) / static_cast<double>(total);
  }
  bool sampled() const { return pairs.size() < in_vocabulary; }
};

// Collects the pairs of `test` (keys matched against `vocabulary` by external id), each given its
// last `context` songs (1: the one-song protocol, no contexts).
NextSongPairs CollectPairs(const Corpus& test, const Vocabulary& vocabulary, size_t context = 1);

// Keeps `max_pairs` of the pairs, drawn uniformly without replacement (the same seed keeps the
// same ones) and in their order; all of them if there are no more, or if `max_pairs` is 0.
void SamplePairs(size_t max_pairs, uint64_t seed, NextSongPairs* pairs);

// The sample size evaluation uses unless told: every pair for a catalog of up to
// kSampledEvaluationSongs songs, kDefaultSampledPairs above (each distinct source song is a
// search of the whole catalog per ranking).
constexpr size_t kSampledEvaluationSongs = 200000;
constexpr size_t kDefaultSampledPairs = 20000;
inline size_t DefaultMaxPairs(size_t songs) {
  return songs > kSampledEvaluationSongs ? kDefaultSampledPairs : 0;
}

// Mean figures at one cut-off k over the scored pairs.
struct RankingMetrics {
  size_t k = 0;
  double hit_rate = 0;  // HR@k: share of pairs with r <= k
  double mrr = 0;       // MRR@k: mean of 1/r, 0 beyond k
  double ndcg = 0;      // NDCG@k: mean of 1/log2(r + 1), 0 beyond k
  // HR@k's standard error, sqrt(HR (1 - HR) / pairs): the pairs taken as independent draws (pairs
  // of one playlist are not quite, so it is a lower bound).
  double hit_rate_error = 0;
};

// A ranking: the best `k` rows for `context` (at least one row, most recent last; one-song: {a}),
// best first, its last row, a, never among them. Must be safe to call from several threads at once.
using Ranker = std::function<std::vector<int32_t>(std::span<const int32_t> context, size_t k)>;

// The 1-based rank of each pair's target under `ranker`, or 0 if it is not within `max_k`. Without
// contexts each distinct source is ranked once; `threads` (>= 1) share the work, and never change
// the ranks.
std::vector<uint32_t> RankTargets(const NextSongPairs& pairs, size_t max_k, const Ranker& ranker,
                                  int threads);

// HR, MRR and NDCG at each cut-off of `ks` over the pairs whose `selected` entry is true (all pairs
// if `selected` is empty).
std::vector<RankingMetrics> Summarize(const std::vector<uint32_t>& ranks,
                                      const std::vector<size_t>& ks,
                                      const std::vector<bool>& selected = {});

// Two rankings' HR@k on the same pairs, pair by pair (a paired comparison: the differences of the
// two hit indicators, whose spread is much smaller than either HR's when the rankings agree).
struct PairedComparison {
  double difference = 0;      // HR@k of the first minus that of the second
  size_t only_first = 0;      // pairs the first hits within k and the second does not
  size_t only_second = 0;     // and the other way round
  double standard_error = 0;  // of `difference`
  // `difference` in standard errors (0 when both hit the same pairs).
  double z() const { return standard_error > 0 ? difference / standard_error : 0; }
};
PairedComparison ComparePaired(const std::vector<uint32_t>& first,
                               const std::vector<uint32_t>& second, size_t k);

// Rankers. Each keeps references to its arguments, which must outlive it.

// A model's own ranking under `scoring`: Recommender::Continue() of the context, as POST
// /v1/recommend's `playlist` is answered (repeats as the model's NextScoring says).
Ranker ModelRanker(const Recommender& recommender, Scoring scoring);

// Popularity: by count, most frequent first; ties to the lower row.
Ranker PopularityRanker(const std::vector<int64_t>& counts);

// The sum over the context's songs c, weighted kRecencyDecay^age(c), of the scores `pairs` gives
// the songs after c (Cooccurrence: how often a song stood right next to c; SequentialRules: its
// rule score), best first; ties and songs `pairs` never scores after the context, by popularity
// (`counts`), then the lower row; never the context's last song.
Ranker PairScoresRanker(const PairScores& pairs, const std::vector<int64_t>& counts);

// How often each vocabulary song appears in `train` (0 for songs it lacks): the popularity the
// baselines rank by, taken from the training file so that every model is compared on the same
// counts.
std::vector<int64_t> CountsIn(const Corpus& train, const Vocabulary& vocabulary);

// Popularity segments of the vocabulary, by count: the head is the most played songs that make up
// the first third of all plays, the torso the next third, the tail the rest (a song belongs to the
// segment where the plays of the songs more popular than it end, so equal counts never split).
enum class Segment { kHead, kTorso, kTail };
std::vector<Segment> SegmentsByPopularity(const std::vector<int64_t>& counts);

// One ranking's figures: over all pairs, and over the pairs whose target is in each segment.
struct RankingResult {
  std::string name;
  std::vector<RankingMetrics> all;
  std::vector<RankingMetrics> by_segment[3];  // indexed by Segment
  std::vector<uint32_t> ranks;                // RankTargets(), by pair
};

// What the baselines count in the training playlists, once for both protocols. `counted_rules`,
// where given, must be SequentialRules(train, vocabulary), already counted (a blend model's own):
// it is shared, not counted again; null: counted here.
struct Baselines {
  Baselines(const Corpus& train, const Vocabulary& vocabulary,
            std::shared_ptr<const SequentialRules> counted_rules = nullptr);
  std::vector<int64_t> counts;  // CountsIn(train, vocabulary)
  Cooccurrence cooccurrence;
  std::shared_ptr<const SequentialRules> rules;  // never null
};

// A model scored beside the baselines of EVALUATION.md on the same pairs.
struct EvaluationReport {
  size_t context = 1;  // the songs a ranking is given: 1, the one-song protocol; more, continuation
  NextSongPairs pairs;
  size_t pairs_by_segment[3] = {};
  // The model's "similar" ranking, its "next" ranking when it has output vectors, then the
  // popularity, co-occurrence and sequential rules baselines.
  std::vector<RankingResult> rankings;
};

// Evaluates `recommender` (whose rows are `vocabulary`'s) on `test`, beside `baselines` (counted
// in the training playlists, as are the segments), at the cut-offs `ks` (ascending), using
// `threads` threads, on `max_pairs` of the pairs (SamplePairs, seed 1; 0: all), each ranking
// given the last `context` songs of the playlist so far (1: the one-song protocol).
EvaluationReport EvaluateNextSong(const Vocabulary& vocabulary, const Recommender& recommender,
                                  const Corpus& test, const Baselines& baselines,
                                  const std::vector<size_t>& ks, int threads, size_t max_pairs = 0,
                                  size_t context = 1);

// Why figures of `report` cannot mean much, one sentence each (none: they can): too few pairs
// scored for a difference of a few hits to show, or a test file whose songs the model mostly lacks.
constexpr size_t kFewPairs = 1000;
constexpr double kLowCoverage = 0.5;
std::vector<std::string> EvaluationWarnings(const EvaluationReport& report);

// The mean cosine of `pairs` random pairs of distinct rows of `vectors` (seeded): near 1, every
// vector points one way, the sign of a model that learned little (too little data or training).
double RandomPairCosine(const Matrix& vectors, size_t pairs, uint64_t seed);
constexpr double kCrowdedCosine = 0.9;

// The share of consecutive pairs of distinct songs in `corpus`'s playlists whose names, by token
// (`name_of_token`, e.g. titles), do not decrease: about half for playlists in listening order,
// near 1 for playlists sorted by name, whose order says nothing about what plays next. 0 for no
// pairs.
double AscendingShare(const Corpus& corpus, const std::vector<std::string>& name_of_token);
constexpr double kSortedShare = 0.9;

// Whether a model's neighbours make sense by a measure independent of playlist order: for every
// song with tags, its k most similar songs among the songs with tags ("similar" scoring), and the
// share of those (song, neighbour) pairs that have a tag in common; beside the same share for k
// songs with tags drawn at random (seeded, so reproducible).
struct TagAgreement {
  size_t songs = 0;      // songs with tags, each the source of k pairs
  double neighbors = 0;  // share of (song, neighbour) pairs sharing a tag
  double random = 0;     // share of (song, random song) pairs sharing a tag
};

// `tags_of_row` holds each vocabulary row's tags (empty: none).
TagAgreement MeasureTagAgreement(const Recommender& recommender,
                                 const std::vector<std::vector<std::string>>& tags_of_row, size_t k,
                                 int threads);

}  // namespace songvec

#endif  // SONGVEC_CORE_EVALUATION_H_
