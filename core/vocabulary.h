#ifndef SONGVEC_CORE_VOCABULARY_H_
#define SONGVEC_CORE_VOCABULARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/corpus.h"

namespace songvec {

// The songs a model knows, one row each, most frequent first. Row r of every matrix of a model is
// the song key(r). Immutable after construction; safe to share between threads.
class Vocabulary {
 public:
  // Counts every song of `corpus` and keeps those appearing at least `min_count` (>= 1) times,
  // ordered by count, most frequent first, ties in corpus key order.
  static Vocabulary Build(const Corpus& corpus, int64_t min_count);

  // A vocabulary with the given rows (e.g. read back from storage). Keys must be unique.
  Vocabulary(std::vector<std::string> keys, std::vector<int64_t> counts);
  Vocabulary() = default;

  size_t size() const { return keys_.size(); }
  const std::string& key(size_t row) const { return keys_[row]; }
  int64_t count(size_t row) const { return counts_[row]; }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<int64_t>& counts() const { return counts_; }
  // Sum of all counts: the number of tokens a training epoch reads.
  int64_t total_count() const { return total_count_; }

  // The row of `key`, or -1 if the vocabulary does not know it.
  int32_t Find(std::string_view key) const;

  // The row of each of `corpus`'s keys (-1 where the vocabulary does not know it), by token value.
  std::vector<int32_t> RowsOf(const Corpus& corpus) const;

  // `corpus` rewritten in rows of this vocabulary (its keys become keys()); songs the vocabulary
  // does not know are removed, as word2vec does with words under min_count, and playlists left with
  // fewer than two songs are dropped.
  Corpus Encode(const Corpus& corpus) const;

  // Sub-sampling of frequent songs (Mikolov et al. 2013, in the form of word2vec.c and gensim): an
  // occurrence of row r is kept with probability min(1, (sqrt(c / t) + 1) * t / c), c its count and
  // t = sample * total_count(). Returned as 32-bit thresholds: keep when a uniform 32-bit draw is
  // <= the threshold. sample <= 0 keeps everything.
  std::vector<uint32_t> KeepThresholds(double sample) const;

 private:
  std::vector<std::string> keys_;
  std::vector<int64_t> counts_;
  std::unordered_map<std::string, int32_t> row_of_;
  int64_t total_count_ = 0;
};

}  // namespace songvec

#endif  // SONGVEC_CORE_VOCABULARY_H_
