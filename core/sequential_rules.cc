#include "core/sequential_rules.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
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
  playlist_of_.resize(starts_.back());
  playlist_starts_.assign(1, 0);
  std::vector<size_t> next(starts_.begin(), starts_.end() - 1);
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i] >= 0) {
      playlist_of_[next[rows_[i]]] = static_cast<uint32_t>(playlist_starts_.size() - 1);
      positions_[next[rows_[i]]++] = static_cast<uint32_t>(i);
    } else if (rows_[i] == kEnd) {
      playlist_starts_.push_back(i + 1);
    }
  }

  // The most played songs first (ties: the lower row), while their rows fit.
  std::vector<int32_t> by_occurrences(songs);
  std::iota(by_occurrences.begin(), by_occurrences.end(), 0);
  auto occurrences = [this](int32_t row) { return starts_[row + 1] - starts_[row]; };
  std::stable_sort(by_occurrences.begin(), by_occurrences.end(),
                   [&](int32_t a, int32_t b) { return occurrences(a) > occurrences(b); });
  precomputed_of_row_.assign(songs, -1);
  std::vector<float> scores(songs, 0.0f);
  std::vector<int32_t> touched;
  for (const int32_t row : by_occurrences) {
    if (occurrences(row) < kMinPrecomputedOccurrences) break;
    touched.clear();
    AccumulateOccurrences(row, 1, 1.0f, &scores, &touched);
    if (precomputed_.size() + touched.size() > rows_.size()) break;
    if (precomputed_starts_.empty()) precomputed_starts_.push_back(0);
    precomputed_of_row_[row] = static_cast<int32_t>(precomputed_starts_.size() - 1);
    std::sort(touched.begin(), touched.end());
    for (const int32_t b : touched) {
      precomputed_.push_back({b, scores[b]});
      scores[b] = 0;
    }
    precomputed_starts_.push_back(precomputed_.size());
  }
}

void SequentialRules::Accumulate(int32_t row, int distance, float weight,
                                 std::vector<float>* scores, std::vector<int32_t>* touched) const {
  assert(distance >= 1);
  const int32_t precomputed = precomputed_of_row_[row];
  if (precomputed < 0 || distance > 1) {
    return AccumulateOccurrences(row, distance, weight, scores, touched);
  }
  // Without a branch (whether a score is new is a guess no predictor gets right).
  const size_t begin = precomputed_starts_[precomputed], end = precomputed_starts_[precomputed + 1];
  size_t appended = touched->size();
  touched->resize(appended + (end - begin));
  for (size_t i = begin; i < end; ++i) {
    const Neighbor& rule = precomputed_[i];
    float& s = (*scores)[rule.row];
    (*touched)[appended] = rule.row;
    appended += s == 0;
    s += weight * rule.score;
  }
  touched->resize(appended);
}

void SequentialRules::AccumulateNeighbors(std::span<const int32_t> seeds,
                                          std::span<const float> weights, size_t k, float weight,
                                          std::vector<float>* scores,
                                          std::vector<int32_t>* touched,
                                          NeighborScratch* scratch) const {
  assert(weights.size() == seeds.size());
  std::vector<float>& similarity = scratch->similarity;
  std::vector<uint32_t>& candidates = scratch->candidates;
  similarity.resize(playlists(), 0.0f);
  candidates.clear();
  for (size_t i = 0; i < seeds.size(); ++i) {
    const int32_t row = seeds[i];
    const size_t occurrences = starts_[row + 1] - starts_[row];
    const size_t sampled = std::min(occurrences, kMaxOccurrencesByDistance);
    for (size_t j = 0; j < sampled; ++j) {
      const uint32_t playlist = playlist_of_[starts_[row] + j * occurrences / sampled];
      if (similarity[playlist] == 0) candidates.push_back(playlist);
      similarity[playlist] += weights[i];
    }
  }
  // The k most similar first, ties to the earlier playlist.
  auto more_similar = [&](uint32_t a, uint32_t b) {
    return similarity[a] != similarity[b] ? similarity[a] > similarity[b] : a < b;
  };
  const size_t kept = std::min(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(kept),
                    candidates.end(), more_similar);
  float total = 0;
  for (size_t i = 0; i < kept; ++i) total += similarity[candidates[i]];
  for (size_t i = 0; i < kept && total > 0; ++i) {
    const uint32_t playlist = candidates[i];
    std::vector<int32_t>& songs = scratch->songs;
    songs.assign(rows_.begin() + static_cast<std::ptrdiff_t>(playlist_starts_[playlist]),
                 rows_.begin() + static_cast<std::ptrdiff_t>(playlist_starts_[playlist + 1] - 1));
    std::sort(songs.begin(), songs.end());
    songs.erase(std::unique(songs.begin(), songs.end()), songs.end());
    const float share = weight * similarity[playlist] / total;
    for (const int32_t b : songs) {
      if (b < 0) continue;
      float& s = (*scores)[b];
      if (s == 0) touched->push_back(b);
      s += share;
    }
  }
  for (const uint32_t playlist : candidates) similarity[playlist] = 0;
}

void SequentialRules::AccumulateOccurrences(int32_t row, int distance, float weight,
                                            std::vector<float>* scores,
                                            std::vector<int32_t>* touched) const {
  // Every occurrence, or at distances above 1 an evenly spaced sample of them standing for all.
  const size_t occurrences = starts_[row + 1] - starts_[row];
  const size_t sampled =
      distance > 1 ? std::min(occurrences, kMaxOccurrencesByDistance) : occurrences;
  if (sampled == 0) return;
  weight *= static_cast<float>(occurrences) / static_cast<float>(sampled);
  // The score of each gap, after and before: 1/(1 + |gap - distance|)^2.
  float after[kMaxGap + 1], before[kMaxGap + 1];
  for (int gap = 1; gap <= kMaxGap; ++gap) {
    const auto off = static_cast<float>(1 + std::abs(gap - distance));
    after[gap] = weight / (off * off);
    before[gap] = kBackward * after[gap];
  }
  // Appended without a branch (whether a score is new is a guess no predictor gets right): room
  // for every song of every window first, cut back at the end.
  size_t appended = touched->size();
  touched->resize(appended + sampled * 2 * kMaxGap);
  auto add = [&](int32_t b, float score) {
    if (b < 0 || b == row) return;
    float& s = (*scores)[b];
    (*touched)[appended] = b;
    appended += s == 0;
    s += score;
  };
  // Each occurrence's window is a cache miss (a song's occurrences lie far apart in rows_): the
  // window a few occurrences ahead is fetched while this one is summed.
  constexpr size_t kAhead = 4;
  auto position = [&](size_t i) { return positions_[starts_[row] + i * occurrences / sampled]; };
  for (size_t i = 0; i < sampled; ++i) {
    if (i + kAhead < sampled) {
      const size_t ahead = position(i + kAhead);
      __builtin_prefetch(rows_.data() + ahead - std::min<size_t>(ahead, kMaxGap));
      __builtin_prefetch(rows_.data() + std::min(ahead + kMaxGap, rows_.size() - 1));
    }
    const size_t at = position(i);
    for (int gap = 1; gap <= kMaxGap && at + gap < rows_.size() && rows_[at + gap] != kEnd; ++gap) {
      add(rows_[at + gap], after[gap]);
    }
    for (int gap = 1; gap <= kMaxGap && at >= static_cast<size_t>(gap) && rows_[at - gap] != kEnd;
         ++gap) {
      add(rows_[at - gap], before[gap]);
    }
  }
  touched->resize(appended);
}

}  // namespace songvec
