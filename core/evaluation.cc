#include "core/evaluation.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <numeric>
#include <thread>

namespace songvec {
namespace {

// Vocabulary rows of every key of `corpus` (-1 where unknown).
std::vector<int32_t> RowsOfKeys(const Corpus& corpus, const Vocabulary& vocabulary) {
  std::vector<int32_t> rows(corpus.keys.size());
  for (size_t token = 0; token < corpus.keys.size(); ++token) {
    rows[token] = vocabulary.Find(corpus.keys[token]);
  }
  return rows;
}

// Rows by (count desc, row asc).
std::vector<int32_t> ByPopularity(const std::vector<int64_t>& counts) {
  std::vector<int32_t> order(counts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return counts[a] > counts[b]; });
  return order;
}

}  // namespace

NextSongPairs CollectPairs(const Corpus& test, const Vocabulary& vocabulary) {
  const std::vector<int32_t> rows = RowsOfKeys(test, vocabulary);
  NextSongPairs result;
  for (size_t p = 0; p < test.num_playlists(); ++p) {
    std::span<const int32_t> playlist = test.playlist(p);
    for (size_t i = 0; i + 1 < playlist.size(); ++i) {
      if (playlist[i] == playlist[i + 1]) continue;
      ++result.total;
      const int32_t a = rows[playlist[i]], b = rows[playlist[i + 1]];
      if (a >= 0 && b >= 0) result.pairs.emplace_back(a, b);
    }
  }
  return result;
}

std::vector<RankingMetrics> ScoreRanking(const NextSongPairs& pairs, const std::vector<size_t>& ks,
                                         const Ranker& ranker, int threads) {
  assert(!ks.empty() && std::is_sorted(ks.begin(), ks.end()) && threads >= 1);
  const size_t max_k = ks.back();
  // Pairs grouped by source, so that each source is ranked once.
  std::vector<size_t> order(pairs.pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return pairs.pairs[x].first < pairs.pairs[y].first; });
  std::vector<size_t> group_starts;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || pairs.pairs[order[i]].first != pairs.pairs[order[i - 1]].first) {
      group_starts.push_back(i);
    }
  }
  group_starts.push_back(order.size());

  // rank[i] = 1-based rank of pair i's target, or 0 beyond max_k. Each pair is written by exactly
  // one thread and the sums are taken afterwards in pair order, so threads never change the
  // figures.
  std::vector<uint32_t> rank(pairs.pairs.size(), 0);
  std::atomic<size_t> next_group{0};
  auto work = [&] {
    for (size_t g = next_group++; g + 1 < group_starts.size(); g = next_group++) {
      const int32_t a = pairs.pairs[order[group_starts[g]]].first;
      const std::vector<int32_t> top = ranker(a, max_k);
      for (size_t i = group_starts[g]; i < group_starts[g + 1]; ++i) {
        auto it = std::find(top.begin(), top.end(), pairs.pairs[order[i]].second);
        if (it != top.end()) rank[order[i]] = static_cast<uint32_t>(it - top.begin() + 1);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();

  std::vector<RankingMetrics> metrics;
  for (size_t k : ks) {
    RankingMetrics m;
    m.k = k;
    for (uint32_t r : rank) {
      if (r == 0 || r > k) continue;
      m.hit_rate += 1;
      m.mrr += 1.0 / r;
      m.ndcg += 1.0 / std::log2(r + 1.0);
    }
    const double n = pairs.pairs.empty() ? 1.0 : static_cast<double>(pairs.pairs.size());
    m.hit_rate /= n;
    m.mrr /= n;
    m.ndcg /= n;
    metrics.push_back(m);
  }
  return metrics;
}

Ranker CosineRanker(const ExactIndex& index) {
  return [&index](int32_t a, size_t k) {
    std::vector<Neighbor> neighbors =
        index.Search(index.unit_row(a), k, [a](int32_t row) { return row == a; });
    std::vector<int32_t> rows;
    rows.reserve(neighbors.size());
    for (const Neighbor& n : neighbors) rows.push_back(n.row);
    return rows;
  };
}

Ranker PopularityRanker(const std::vector<int64_t>& counts) {
  return [order = ByPopularity(counts)](int32_t a, size_t k) {
    std::vector<int32_t> rows;
    for (size_t i = 0; i < order.size() && rows.size() < k; ++i) {
      if (order[i] != a) rows.push_back(order[i]);
    }
    return rows;
  };
}

Cooccurrence::Cooccurrence(const Corpus& train, const Vocabulary& vocabulary) {
  const std::vector<int32_t> rows = RowsOfKeys(train, vocabulary);
  std::vector<std::pair<int32_t, int32_t>> adjacent;  // both directions
  for (size_t p = 0; p < train.num_playlists(); ++p) {
    std::span<const int32_t> playlist = train.playlist(p);
    for (size_t i = 0; i + 1 < playlist.size(); ++i) {
      const int32_t x = rows[playlist[i]], y = rows[playlist[i + 1]];
      if (x < 0 || y < 0 || x == y) continue;
      adjacent.emplace_back(x, y);
      adjacent.emplace_back(y, x);
    }
  }
  std::sort(adjacent.begin(), adjacent.end());
  starts_.assign(vocabulary.size() + 1, 0);
  for (size_t i = 0; i < adjacent.size();) {
    size_t j = i;
    while (j < adjacent.size() && adjacent[j] == adjacent[i]) ++j;
    entries_.emplace_back(adjacent[i].second, static_cast<int32_t>(j - i));
    ++starts_[adjacent[i].first + 1];
    i = j;
  }
  std::partial_sum(starts_.begin(), starts_.end(), starts_.begin());
}

Ranker CooccurrenceRanker(const Cooccurrence& cooccurrence, const std::vector<int64_t>& counts) {
  return [&cooccurrence, &counts, popular = ByPopularity(counts)](int32_t a, size_t k) {
    std::vector<std::pair<int32_t, int32_t>> seen(cooccurrence.neighbors(a).begin(),
                                                  cooccurrence.neighbors(a).end());
    std::sort(seen.begin(), seen.end(), [&](const auto& x, const auto& y) {
      if (x.second != y.second) return x.second > y.second;
      if (counts[x.first] != counts[y.first]) return counts[x.first] > counts[y.first];
      return x.first < y.first;
    });
    std::vector<int32_t> rows;
    for (size_t i = 0; i < seen.size() && rows.size() < k; ++i) rows.push_back(seen[i].first);
    // Then songs never seen next to a, by popularity (neighbours lists are sorted by row).
    std::span<const std::pair<int32_t, int32_t>> neighbors = cooccurrence.neighbors(a);
    for (size_t i = 0; i < popular.size() && rows.size() < k; ++i) {
      const int32_t row = popular[i];
      if (row == a) continue;
      auto it = std::lower_bound(neighbors.begin(), neighbors.end(), std::make_pair(row, 0));
      if (it == neighbors.end() || it->first != row) rows.push_back(row);
    }
    return rows;
  };
}

std::vector<int64_t> CountsIn(const Corpus& train, const Vocabulary& vocabulary) {
  const std::vector<int32_t> rows = RowsOfKeys(train, vocabulary);
  std::vector<int64_t> counts(vocabulary.size(), 0);
  for (int32_t token : train.tokens) {
    if (rows[token] >= 0) ++counts[rows[token]];
  }
  return counts;
}

EvaluationReport EvaluateNextSong(const Vocabulary& vocabulary, const Matrix& vectors,
                                  const Corpus& test, const Corpus& train,
                                  const std::vector<size_t>& ks, int threads) {
  EvaluationReport report;
  report.pairs = CollectPairs(test, vocabulary);
  const ExactIndex index(vectors);
  report.model = ScoreRanking(report.pairs, ks, CosineRanker(index), threads);
  const std::vector<int64_t> counts = CountsIn(train, vocabulary);
  report.popularity = ScoreRanking(report.pairs, ks, PopularityRanker(counts), threads);
  const Cooccurrence cooccurrence(train, vocabulary);
  report.cooccurrence =
      ScoreRanking(report.pairs, ks, CooccurrenceRanker(cooccurrence, counts), threads);
  return report;
}

}  // namespace songvec
