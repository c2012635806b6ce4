#include "core/vocabulary.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace songvec {

Vocabulary Vocabulary::Build(const Corpus& corpus, int64_t min_count) {
  assert(min_count >= 1);
  std::vector<int64_t> count_of_token(corpus.keys.size(), 0);
  for (int32_t token : corpus.tokens) ++count_of_token[token];
  std::vector<int32_t> kept;
  for (size_t token = 0; token < count_of_token.size(); ++token) {
    if (count_of_token[token] >= min_count) kept.push_back(static_cast<int32_t>(token));
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [&](int32_t a, int32_t b) { return count_of_token[a] > count_of_token[b]; });
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  keys.reserve(kept.size());
  counts.reserve(kept.size());
  for (int32_t token : kept) {
    keys.push_back(corpus.keys[token]);
    counts.push_back(count_of_token[token]);
  }
  return Vocabulary(std::move(keys), std::move(counts));
}

Vocabulary::Vocabulary(std::vector<std::string> keys, std::vector<int64_t> counts)
    : keys_(std::move(keys)), counts_(std::move(counts)) {
  assert(keys_.size() == counts_.size());
  row_of_.reserve(keys_.size());
  for (size_t row = 0; row < keys_.size(); ++row) {
    [[maybe_unused]] bool inserted = row_of_.emplace(keys_[row], static_cast<int32_t>(row)).second;
    assert(inserted && "vocabulary keys must be unique");
  }
  total_count_ = std::accumulate(counts_.begin(), counts_.end(), int64_t{0});
}

int32_t Vocabulary::Find(std::string_view key) const {
  auto it = row_of_.find(std::string(key));
  return it == row_of_.end() ? -1 : it->second;
}

std::vector<int32_t> Vocabulary::RowsOf(const Corpus& corpus) const {
  std::vector<int32_t> rows(corpus.keys.size());
  for (size_t token = 0; token < corpus.keys.size(); ++token)
    rows[token] = Find(corpus.keys[token]);
  return rows;
}

Corpus Vocabulary::Encode(const Corpus& corpus) const {
  const std::vector<int32_t> row_of_token = RowsOf(corpus);
  Corpus encoded;
  encoded.keys = keys_;
  encoded.tokens.reserve(corpus.tokens.size());
  std::vector<int32_t> playlist;
  for (size_t i = 0; i < corpus.num_playlists(); ++i) {
    playlist.clear();
    for (int32_t token : corpus.playlist(i)) {
      if (row_of_token[token] >= 0) playlist.push_back(row_of_token[token]);
    }
    if (playlist.size() >= 2) encoded.AddPlaylist(playlist);
  }
  return encoded;
}

std::vector<uint32_t> Vocabulary::KeepThresholds(double sample) const {
  constexpr double kScale = 4294967295.0;  // 2^32 - 1: a probability of 1 keeps every draw
  std::vector<uint32_t> thresholds(size(), UINT32_MAX);
  if (sample <= 0) return thresholds;
  const double t = sample * static_cast<double>(total_count_);
  for (size_t row = 0; row < size(); ++row) {
    const auto c = static_cast<double>(counts_[row]);
    const double keep = (std::sqrt(c / t) + 1.0) * t / c;
    if (keep < 1.0) thresholds[row] = static_cast<uint32_t>(std::llround(keep * kScale));
  }
  return thresholds;
}

}  // namespace songvec
