#ifndef SONGVEC_CORE_RECOMMENDER_H_
#define SONGVEC_CORE_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/embeddings.h"
#include "core/flat_index.h"
#include "core/index.h"
#include "core/pair_scores.h"
#include "core/status.h"

namespace songvec {

// A playlist so far as seeds (../shared/EVALUATION.md, "Metric: continuation"): its last
// kDefaultContext songs unless told, the song `age` songs before the last weighted
// kRecencyDecay^age.
constexpr size_t kDefaultContext = 10;
constexpr float kRecencyDecay = 0.5f;
// The weights of n seeds in playlist order, most recent last: ..., 0.25, 0.5, 1.
std::vector<float> RecencyWeights(size_t n);

// The two ways a model scores candidates for a set of seed songs.
enum class Scoring {
  // "Songs like these": cosine between input vectors less their mean (SimilarRows), what the book
  // shows. Query: the mean of the seeds' unit vectors (gensim's most_similar).
  kSimilar,
  // "What comes next": the seeds' mean input vector against output vectors, the SGNS objective
  // itself (IN-OUT, Nalisnick et al. 2016), plus a popularity term, plus for a blend model a
  // count term (see Recommender).
  kNext,
};

// The weight of the count term in a blend model's next scores (see Recommender) unless told
// otherwise: the best of a grid on a validation split carved from yes_complete's training playlists
// (README, "Quality").
constexpr float kDefaultRulesWeight = 1000.0f;

// "similar" / "next" and back.
const char* ScoringName(Scoring scoring);
Result<Scoring> ParseScoring(const std::string& name);

// The rows kSimilar searches: every input vector less the mean of them all, at unit length. SGNS
// vectors share a common direction (word2vec spaces are anisotropic: Mu and Viswanath 2018,
// "All-but-the-top"), which crowds every cosine towards 1: on yes_complete random pairs score 0.57
// on average before and 0.01 after; HR@10 0.0291 -> 0.0302, tag agreement 0.7642 -> 0.7666;
// removing principal directions as well measured worse. At a million songs the crowding is what
// defeats pruning (README, "At a million songs"). The mean is summed in double in row order, so it
// does not depend on how a build vectorises (a stored graph is checked against these rows bit for
// bit).
std::shared_ptr<const FlatIndex> SimilarRows(const Matrix& input);

// What a model stores for its searches, made once when it is trained (Recommender::PrepareSearch)
// so that loading it builds nothing slow. Empty: made where an index needs it.
struct StoredSearch {
  IndexLayout similar;        // PrunedIndex layout of SimilarRows(); empty beside a good graph
  IndexLayout next;           // of the output vectors
  std::string similar_graph;  // HnswIndex::Serialize() over SimilarRows()
};

// How well a similar graph finds the exact neighbours: recall@10 against FlatIndex over songs
// drawn by their plays (the songs users ask about) and over songs drawn uniformly (rare songs,
// whose barely trained vectors have neighbours that tie to the fifth decimal, weigh as much).
struct GraphRecall {
  double by_plays = 0;
  double uniform = 0;
  size_t queries = 0;  // of each kind; 0: no graph was built
  double build_seconds = 0;
  bool kept = false;  // by_plays reached the minimum, so kAuto searches the graph
};

// The recall@10 by plays a similar graph must reach to be searched by kAuto.
constexpr double kGraphMinRecall = 0.98;

// A model ready to answer queries by row. Immutable after construction; thread-safe.
class Recommender {
 public:
  // The next score of candidate b for seeds S, weighted w_a (summing to 1), is
  //   sum over a in S of w_a input(a) . output(b)  +  p * log(count(b))
  //     +  c * log(1 + sum over a in S of w_a pairs(a, b) [/ count(a)]).
  // p (`next_bias_weight`) weighs the popularity term: SGNS's input . output estimates log P(b | a)
  // minus the log of the noise distribution count^ns_exponent (Levy & Goldberg 2014), so
  // p = ns_exponent turns it back into log P(b | a) up to a constant. Rows with a count of 0
  // (imported without counts) get no popularity term. c (`pairs_weight`) weighs what counting the
  // training playlists says of b after the seeds (`pairs`: SequentialRules, or for models stored
  // before them Cooccurrence): the model is a blend of counting, which knows the pairs it has seen,
  // and the embedding, which ranks what counting has never seen. An `embeddings` without output
  // vectors (0 columns) answers only kSimilar. `policy` picks the index of each scoring (the exact
  // ones give the same answers); they take their layouts and graph from `search`, the model's
  // stored PrepareSearch(). A stored graph that will not load is left out, said by
  // search_warning(), and similar searched exactly.
  // With `pairs_per_play` (how models are trained now) each seed's pairs are divided by its plays,
  // count(a): the sum is then a recency-weighted mixture of how often b follows each seed per play,
  // where raw sums let a popular seed drown the others (models stored before it keep raw sums).
  Recommender(const Embeddings& embeddings, float next_bias_weight,
              std::shared_ptr<const PairScores> pairs = nullptr, float pairs_weight = 0,
              IndexPolicy policy = IndexPolicy::kAuto, StoredSearch search = {},
              bool pairs_per_play = false);

  // What `embeddings`' searches need stored: the next layout, and for similar a layout, and from
  // `graph_min_songs` songs up a graph (HnswIndex, linked in by `threads`) and its recall (into
  // `recall`, may be null). Where the graph's recall by plays reaches `graph_min_recall` it takes
  // the similar layout's place; below, both are stored: kAuto searches exactly, kHnsw the graph.
  // About 10 s per layout and a minute or more for a graph at a million songs.
  static constexpr size_t kGraphMinSongs = 200000;
  static StoredSearch PrepareSearch(const Embeddings& embeddings, int threads, GraphRecall* recall,
                                    size_t graph_min_songs = kGraphMinSongs,
                                    double graph_min_recall = kGraphMinRecall);

  // Empty, or why the stored similar graph was left out.
  const std::string& search_warning() const { return search_warning_; }

  size_t size() const { return similar_->size(); }
  bool has_next() const { return next_ != nullptr; }
  // The index answering `scoring` (kNext needs has_next()).
  const Index& index(Scoring scoring) const {
    return scoring == Scoring::kSimilar ? *similar_ : *next_;
  }

  // The k best rows for the seeds, best first, skipping `exclude` (the seeds are not skipped unless
  // `exclude` says so). The query is the mean of the positive seeds' vectors, weighted by
  // `weights` (one per positive seed, > 0; empty: equal), minus the mean of the negative ones
  // (which may be empty); a blend's count term is weighted alike. Needs a non-empty
  // `positive`, and has_next() for kNext.
  std::vector<Neighbor> Recommend(Scoring scoring, std::span<const int32_t> positive,
                                  std::span<const int32_t> negative, size_t k,
                                  const RowFilter& exclude,
                                  std::span<const float> weights = {}) const;

 private:
  Matrix input_;                             // the queries of kNext, as trained
  std::shared_ptr<const FlatIndex> unit_;    // SimilarRows(): kSimilar's queries
  std::shared_ptr<const Index> similar_;     // over unit_, cosine
  std::shared_ptr<const Index> next_;        // output vectors, dot + popularity term; may be null
  std::shared_ptr<const PairScores> pairs_;  // may be null
  float pairs_weight_;
  // With pairs_per_play and pairs: 1 / max(1, count) per row, else empty.
  std::vector<float> per_play_;
  std::string search_warning_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_RECOMMENDER_H_
