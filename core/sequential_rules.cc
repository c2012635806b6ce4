#include "core/sequential_rules.h"

#include <cassert>
#include <limits>
#include <numeric>
#include <string>

namespace songvec {

SequentialRules::SequentialRules(const Corpus& train, const Vocabulary& vocabulary) {
  const std::vector<int32_t> row_of_token = vocabulary.RowsOf(train);
  rows_.reserve(train.tokens.size() + train.num_playlists());
  for (size_t p = 0; p < train.num_playlists(); ++p) {
    for (int32_t token : train.playlist(p)) rows_.push_back(row_of_token[token]);
    rows_.push_back(kEnd);
  }
  IndexPositions(vocabulary.size());
}

Result<SequentialRules> SequentialRules::FromRows(std::vector<int32_t> rows, size_t songs) {
  if (rows.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("sequential rules of " + std::to_string(rows.size()) +
                                   " entries: more than 2^32");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < kEnd || (rows[i] >= 0 && static_cast<size_t>(rows[i]) >= songs)) {
      return Status::InvalidArgument("sequential rules entry " + std::to_string(i) + " is " +
                                     std::to_string(rows[i]) + ", not a song of " +
                                     std::to_string(songs) + " nor a playlist's end");
    }
  }
  if (!rows.empty() && rows.back() != kEnd) {
    return Status::InvalidArgument("the sequential rules' last playlist has no end");
  }
  SequentialRules rules;
  rules.rows_ = std::move(rows);
  rules.IndexPositions(songs);
  return rules;
}

void SequentialRules::IndexPositions(size_t songs) {
  assert(rows_.size() <= std::numeric_limits<uint32_t>::max());
  starts_.assign(songs + 1, 0);
  for (int32_t row : rows_) {
    if (row >= 0) ++starts_[row + 1];
  }
  std::partial_sum(starts_.begin(), starts_.end(), starts_.begin());
  positions_.resize(starts_.back());
  std::vector<size_t> next(starts_.begin(), starts_.end() - 1);
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i] >= 0) positions_[next[rows_[i]]++] = static_cast<uint32_t>(i);
  }
}

void SequentialRules::Accumulate(int32_t row, float weight, std::vector<float>* scores,
                                 std::vector<int32_t>* touched) const {
  // The score of each gap, after and before.
  float after[kMaxGap + 1], before[kMaxGap + 1];
  for (int gap = 1; gap <= kMaxGap; ++gap) {
    after[gap] = weight / static_cast<float>(gap * gap);
    before[gap] = kBackward * weight / static_cast<float>(gap * gap);
  }
  auto add = [&](int32_t b, float score) {
    if (b < 0 || b == row) return;
    float& s = (*scores)[b];
    if (s == 0) touched->push_back(b);
    s += score;
  };
  for (size_t o = starts_[row]; o < starts_[row + 1]; ++o) {
    const size_t at = positions_[o];
    for (int gap = 1; gap <= kMaxGap && at + gap < rows_.size() && rows_[at + gap] != kEnd; ++gap) {
      add(rows_[at + gap], after[gap]);
    }
    for (int gap = 1; gap <= kMaxGap && at >= static_cast<size_t>(gap) &&
                      rows_[at - gap] != kEnd;
         ++gap) {
      add(rows_[at - gap], before[gap]);
    }
  }
}

}  // namespace songvec
