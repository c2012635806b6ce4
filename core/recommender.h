#ifndef SONGVEC_CORE_RECOMMENDER_H_
#define SONGVEC_CORE_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/embeddings.h"
#include "core/flat_index.h"
#include "core/index.h"
#include "core/pair_scores.h"
#include "core/sequential_rules.h"
#include "core/status.h"

namespace songvec {

// A playlist so far as seeds (../shared/EVALUATION.md, "Metric: continuation"): its last
// kDefaultContext songs unless told, the song `age` songs before the last weighted decay^age,
// kRecencyDecay in the baselines' definition.
constexpr size_t kDefaultContext = 10;
constexpr float kRecencyDecay = 0.5f;
// The weights of n seeds in playlist order, most recent last: ..., decay^2, decay, 1.
std::vector<float> RecencyWeights(size_t n, float decay = kRecencyDecay);

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

// How a model scores `next` and continues a playlist (see Recommender), stored with it so that
// the server answers with what `eval` scored. The defaults are those of a model stored before
// these choices existed.
struct NextScoring {
  float popularity_weight = 0;  // p: weight of log(count(b)). Default: 0
  float rules_weight = 0;       // c: weight of the count term (with pairs). Default: 0
  // Each seed's pairs divided by its plays (a recency-weighted mixture of how often b follows
  // each seed), where raw sums let a popular seed drown the others. Default: false
  bool rules_per_play = false;
  // Each seed of a playlist scores its pairs at its distance from the song to predict
  // (SequentialRules), where otherwise every seed scores them as if it were the last.
  // Default: false
  bool rules_by_distance = false;
  // The playlist's song `age` songs before the last weighs context_decay^age. Default: 0.5
  float context_decay = kRecencyDecay;
  // Whether songs of the playlist may come back (all but the last), unless a query says.
  // Default: false
  bool repeats = false;
  // Where they may, their count term is scaled by this: the rules of a playlist's songs reach
  // each other, which says little of whether one comes back. Default: 1
  float repeat_weight = 1;
  // Session-kNN: with two seeds or more, each candidate gains neighbors_weight times its share of
  // the `neighbors` training playlists that hold the most of the seeds (by their weights;
  // SequentialRules::AccumulateNeighbors), scaled by repeat_weight as the count term is. Needs a
  // count term over sequential rules (which keep the playlists). Default: 0, 0 (none)
  int neighbors = 0;
  float neighbors_weight = 0;
};

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
  //     +  c * log(1 + r(b) * sum over a in S of w_a pairs(a, b) [/ count(a)])
  //     +  n * r(b) * share of b in the training playlists nearest S,
  // with r(b) the repeat_weight for a song of the playlist continued, else 1, pairs counted at
  // a's distance from the song to come where rules_by_distance, and n the neighbors_weight
  // (NextScoring).
  // p (`popularity_weight`) weighs the popularity term: SGNS's input . output estimates
  // log P(b | a) minus the log of the noise distribution count^ns_exponent (Levy & Goldberg 2014),
  // so p = ns_exponent turns it back into log P(b | a) up to a constant. Rows with a count of 0
  // (imported without counts) get no popularity term. c (`rules_weight`) weighs what counting the
  // training playlists says of b after the seeds (`pairs`: SequentialRules, or for models stored
  // before them Cooccurrence): the model is a blend of counting, which knows the pairs it has seen,
  // and the embedding, which ranks what counting has never seen. An `embeddings` without output
  // vectors (0 columns) answers only kSimilar. `policy` picks the index of each scoring (the exact
  // ones give the same answers); they take their layouts and graph from `search`, the model's
  // stored PrepareSearch(). A stored graph that will not load is left out, said by
  // search_warning(), and similar searched exactly. `next` says how (NextScoring).
  Recommender(const Embeddings& embeddings, const NextScoring& next,
              std::shared_ptr<const PairScores> pairs = nullptr,
              IndexPolicy policy = IndexPolicy::kAuto, StoredSearch search = {});

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
  const NextScoring& next_scoring() const { return next_scoring_; }
  // Whether next scores have a count term (pairs, at a rules_weight above 0).
  bool has_count_term() const { return pairs_ != nullptr && next_scoring_.rules_weight > 0; }
  // Whether they may have a neighbours term: a count term over sequential rules.
  bool may_use_neighbors() const { return has_count_term() && rules_ != nullptr; }

  // This model scoring next as `next` says, which must keep its popularity_weight (that is in
  // the next index): a copy that shares the vectors, indexes and pairs, made in the time of a
  // pointer copy, for trying scorings side by side (ChooseContinuation, tune).
  Recommender WithNextScoring(const NextScoring& next) const;
  bool has_next() const { return next_ != nullptr; }
  // The index answering `scoring` (kNext needs has_next()).
  const Index& index(Scoring scoring) const {
    return scoring == Scoring::kSimilar ? *similar_ : *next_;
  }

  // The k best rows for unordered seeds, best first, skipping `exclude` (the seeds are not skipped
  // unless `exclude` says so). The query is the mean of the positive seeds' vectors minus the mean
  // of the negative ones (which may be empty); a blend's count term counts each positive seed as
  // the last song. Needs a non-empty `positive`, and has_next() for kNext.
  std::vector<Neighbor> Recommend(Scoring scoring, std::span<const int32_t> positive,
                                  std::span<const int32_t> negative, size_t k,
                                  const RowFilter& exclude) const;

  // The k best rows to come after `playlist` (the songs so far, most recent last; not empty),
  // best first, skipping `exclude`: what POST /v1/recommend with a playlist answers and `eval`
  // scores as continuation. Its last `context` songs are the seeds, weighted context_decay^age
  // and each at its distance where rules_by_distance. Its last song never comes back; the others
  // only with `repeats` (unset: the model's NextScoring::repeats). Those are next's settings:
  // kSimilar weighs the seeds kRecencyDecay^age and lets songs back only where `repeats` says.
  // Needs has_next() for kNext.
  std::vector<Neighbor> Continue(Scoring scoring, std::span<const int32_t> playlist, size_t k,
                                 const RowFilter& exclude, std::optional<bool> repeats = {},
                                 size_t context = kDefaultContext) const;

 private:
  // The k best rows for `positive` weighted by `weights` (summing to 1; empty: equal) minus the
  // mean of `negative`, skipping `exclude`; each positive seed's pairs counted at its `distances`
  // entry (empty: all at 1), the count term of the distinct rows `repeating` scaled by
  // repeat_weight.
  std::vector<Neighbor> Search(Scoring scoring, std::span<const int32_t> positive,
                               std::span<const float> weights, std::span<const int> distances,
                               std::span<const int32_t> negative,
                               std::span<const int32_t> repeating, size_t k,
                               const RowFilter& exclude) const;

  // What one count term needs, about 24 bytes a row and 4 a training playlist. Kept in a pool per
  // model rather than per thread: a server's 128 workers each kept its own at its high-water mark,
  // which grew RSS for minutes under steady traffic (bench/results/soak.md) and would reach
  // 128 x 24 MB at a million songs; a pool holds as many as searches ran at once, and goes with
  // the model.
  struct Scratch {
    std::vector<float> sums;  // one dense sum per row, 0 outside `touched`
    std::vector<float> near;  // the neighbours' term, likewise
    std::vector<int32_t> touched;
    SequentialRules::NeighborScratch neighbors;
    std::vector<float> term;
    std::vector<Neighbor> extra;
  };
  class ScratchPool {
   public:
    std::unique_ptr<Scratch> Take();
    // Keeps `scratch` for the next Take(), up to kMaxIdle of them (more ran at once only where
    // threads outnumber cores, and are freed).
    void Give(std::unique_ptr<Scratch> scratch);
    static constexpr size_t kMaxIdle = 16;

   private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Scratch>> idle_;
  };

  NextScoring next_scoring_;
  std::shared_ptr<const Matrix> input_;      // the queries of kNext, as trained; may be null
  std::shared_ptr<const FlatIndex> unit_;    // SimilarRows(): kSimilar's queries
  std::shared_ptr<const Index> similar_;     // over unit_, cosine
  std::shared_ptr<const Index> next_;        // output vectors, dot + popularity term; may be null
  std::shared_ptr<const PairScores> pairs_;  // may be null
  std::shared_ptr<const SequentialRules> rules_;  // pairs_ where they are rules, else null
  // With pairs: 1 / max(1, count) per row (used where rules_per_play), else empty.
  std::shared_ptr<const std::vector<float>> per_play_;
  // Shared by the copies WithNextScoring() makes.
  std::shared_ptr<ScratchPool> scratch_ = std::make_shared<ScratchPool>();
  std::string search_warning_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_RECOMMENDER_H_
