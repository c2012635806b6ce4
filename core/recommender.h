#ifndef SONGVEC_CORE_RECOMMENDER_H_
#define SONGVEC_CORE_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/cooccurrence.h"
#include "core/embeddings.h"
#include "core/flat_index.h"
#include "core/index.h"
#include "core/status.h"

namespace songvec {

// The two ways a model scores candidates for a set of seed songs.
enum class Scoring {
  // "Songs like these": cosine between input vectors, what the book shows. Query: the mean of the
  // seeds' unit vectors (gensim's most_similar).
  kSimilar,
  // "What comes next": the seeds' mean input vector against output vectors, the SGNS objective
  // itself (IN-OUT, Nalisnick et al. 2016), plus a popularity term, plus for a blend model a
  // co-occurrence term (see Recommender).
  kNext,
};

// The weight of the co-occurrence term in a blend model's next scores (see Recommender) unless told
// otherwise: the best of a grid on a validation split carved from yes_complete's training playlists
// (README, "Quality").
constexpr float kDefaultCooccurrenceWeight = 10.0f;

// "similar" / "next" and back.
const char* ScoringName(Scoring scoring);
Result<Scoring> ParseScoring(const std::string& name);

// The PrunedIndex layouts of a model's two scorings (empty: computed when an index needs one).
struct SearchLayouts {
  IndexLayout similar;  // the input vectors at unit length
  IndexLayout next;     // the output vectors
};

// A model ready to answer queries by row. Immutable after construction; thread-safe.
class Recommender {
 public:
  // The next score of candidate b for seeds S is
  //   mean over a in S of input(a) . output(b)  +  w * log(count(b))
  //     +  c * mean over a in S of log(1 + cooccurrence(a, b)).
  // w (`next_bias_weight`) weighs the popularity term: SGNS's input . output estimates log P(b | a)
  // minus the log of the noise distribution count^ns_exponent (Levy & Goldberg 2014), so
  // w = ns_exponent turns it back into log P(b | a) up to a constant. Rows with a count of 0
  // (imported without counts) get no popularity term. c (`cooccurrence_weight`) weighs how often b
  // stood next to the seeds in the training playlists: with `cooccurrence` given, the model is a
  // blend of counting, which knows the pairs it has seen exactly, and the embedding, which ranks
  // what counting has never seen. An `embeddings` without output vectors (0 columns) answers only
  // kSimilar. `policy` picks the index of each scoring (every one gives the same answers); a
  // pruned one takes its layout from `layouts`, the model's stored Layouts().
  Recommender(const Embeddings& embeddings, float next_bias_weight,
              std::optional<Cooccurrence> cooccurrence = std::nullopt,
              float cooccurrence_weight = 0, IndexPolicy policy = IndexPolicy::kAuto,
              SearchLayouts layouts = {});

  // The layouts of `embeddings`' pruned searches, to store with the model (PrunedIndex::Layout;
  // about 10 s each at a million songs).
  static SearchLayouts Layouts(const Embeddings& embeddings);

  size_t size() const { return similar_->size(); }
  bool has_next() const { return next_ != nullptr; }
  // The index answering `scoring` (kNext needs has_next()).
  const Index& index(Scoring scoring) const {
    return scoring == Scoring::kSimilar ? *similar_ : *next_;
  }

  // The k best rows for the seeds, best first, skipping `exclude` (the seeds are not skipped unless
  // `exclude` says so). The query is the mean of the positive seeds' vectors minus the mean of the
  // negative ones (which may be empty). Needs a non-empty `positive`, and has_next() for kNext.
  std::vector<Neighbor> Recommend(Scoring scoring, std::span<const int32_t> positive,
                                  std::span<const int32_t> negative, size_t k,
                                  const RowFilter& exclude) const;

 private:
  Matrix input_;                           // the queries of kNext, as trained
  std::shared_ptr<const FlatIndex> unit_;  // input vectors at unit length: kSimilar's queries
  std::shared_ptr<const Index> similar_;   // over unit_, cosine
  std::shared_ptr<const Index> next_;      // output vectors, dot + popularity term; may be null
  std::optional<Cooccurrence> cooccurrence_;
  float cooccurrence_weight_;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_RECOMMENDER_H_
