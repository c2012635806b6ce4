#include "core/evaluation.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <unordered_map>

#include "core/parallel.h"
#include "core/random.h"

namespace songvec {
namespace {

std::string Fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

// Rows by (count desc, row asc).
std::vector<int32_t> ByPopularity(const std::vector<int64_t>& counts) {
  std::vector<int32_t> order(counts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return counts[a] > counts[b]; });
  return order;
}

// Appends to `rows`, up to k of them, the rows of `popular` (ByPopularity) other than `a` that
// `ranked` (the ranking's scored rows, already in `rows`) does not hold.
template <typename Ranked>
void AppendByPopularity(const std::vector<int32_t>& popular, int32_t a, size_t k, Ranked ranked,
                        std::vector<int32_t>* rows) {
  for (size_t i = 0; i < popular.size() && rows->size() < k; ++i) {
    const int32_t row = popular[i];
    if (row != a && !ranked(row)) rows->push_back(row);
  }
}

}  // namespace

NextSongPairs CollectPairs(const Corpus& test, const Vocabulary& vocabulary, size_t context) {
  assert(context >= 1);
  const std::vector<int32_t> rows = vocabulary.RowsOf(test);
  NextSongPairs result;
  for (size_t p = 0; p < test.num_playlists(); ++p) {
    std::span<const int32_t> playlist = test.playlist(p);
    for (size_t i = 0; i + 1 < playlist.size(); ++i) {
      if (playlist[i] == playlist[i + 1]) continue;
      ++result.total;
      const int32_t a = rows[playlist[i]], b = rows[playlist[i + 1]];
      if (a < 0 || b < 0) continue;
      result.pairs.emplace_back(a, b);
      if (context == 1) continue;
      std::vector<int32_t>& so_far = result.contexts.emplace_back();
      for (size_t j = i + 1 - std::min(context, i + 1); j <= i; ++j) {
        if (rows[playlist[j]] >= 0) so_far.push_back(rows[playlist[j]]);
      }
    }
  }
  result.in_vocabulary = result.pairs.size();
  return result;
}

void SamplePairs(size_t max_pairs, uint64_t seed, NextSongPairs* pairs) {
  const size_t n = pairs->pairs.size();
  if (max_pairs == 0 || n <= max_pairs) return;
  // The first max_pairs of a seeded Fisher-Yates shuffle of the indices, back in their order.
  std::vector<size_t> index(n);
  std::iota(index.begin(), index.end(), size_t{0});
  Random rng(seed);
  for (size_t i = 0; i < max_pairs; ++i) {
    const size_t j = i + static_cast<size_t>(rng.UniformDouble() * static_cast<double>(n - i));
    std::swap(index[i], index[std::min(j, n - 1)]);
  }
  index.resize(max_pairs);
  std::sort(index.begin(), index.end());
  std::vector<std::pair<int32_t, int32_t>> kept;
  std::vector<std::vector<int32_t>> kept_contexts;
  kept.reserve(max_pairs);
  for (size_t i : index) {
    kept.push_back(pairs->pairs[i]);
    if (!pairs->contexts.empty()) kept_contexts.push_back(std::move(pairs->contexts[i]));
  }
  pairs->pairs = std::move(kept);
  pairs->contexts = std::move(kept_contexts);
}

std::vector<uint32_t> RankTargets(const NextSongPairs& pairs, size_t max_k, const Ranker& ranker,
                                  int threads) {
  assert(threads >= 1);
  assert(pairs.contexts.empty() || pairs.contexts.size() == pairs.pairs.size());
  // Groups of pairs ranked by one call: without contexts the pairs of one source, so that each
  // source is ranked once; with them, runs of pairs in order (each its own context).
  std::vector<size_t> order(pairs.pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<size_t> group_starts;
  if (pairs.contexts.empty()) {
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return pairs.pairs[x].first < pairs.pairs[y].first;
    });
    for (size_t i = 0; i < order.size(); ++i) {
      if (i == 0 || pairs.pairs[order[i]].first != pairs.pairs[order[i - 1]].first) {
        group_starts.push_back(i);
      }
    }
  } else {
    for (size_t i = 0; i < order.size(); ++i) group_starts.push_back(i);
  }
  group_starts.push_back(order.size());

  // Each pair's rank is written by exactly one thread.
  std::vector<uint32_t> rank(pairs.pairs.size(), 0);
  ParallelFor(0, group_starts.size() - 1, threads, [&](size_t g) {
    const size_t first = order[group_starts[g]];
    const int32_t source[] = {pairs.pairs[first].first};
    const std::vector<int32_t> top =
        ranker(pairs.contexts.empty() ? std::span<const int32_t>(source)
                                      : std::span<const int32_t>(pairs.contexts[first]),
               max_k);
    for (size_t i = group_starts[g]; i < group_starts[g + 1]; ++i) {
      auto it = std::find(top.begin(), top.end(), pairs.pairs[order[i]].second);
      if (it != top.end()) rank[order[i]] = static_cast<uint32_t>(it - top.begin() + 1);
    }
  });
  return rank;
}

std::vector<RankingMetrics> Summarize(const std::vector<uint32_t>& ranks,
                                      const std::vector<size_t>& ks,
                                      const std::vector<bool>& selected) {
  assert(selected.empty() || selected.size() == ranks.size());
  std::vector<RankingMetrics> metrics;
  for (size_t k : ks) {
    RankingMetrics m;
    m.k = k;
    size_t n = 0;
    for (size_t i = 0; i < ranks.size(); ++i) {
      if (!selected.empty() && !selected[i]) continue;
      ++n;
      const uint32_t r = ranks[i];
      if (r == 0 || r > k) continue;
      m.hit_rate += 1;
      m.mrr += 1.0 / r;
      m.ndcg += 1.0 / std::log2(r + 1.0);
    }
    if (n > 0) {
      m.hit_rate /= static_cast<double>(n);
      m.mrr /= static_cast<double>(n);
      m.ndcg /= static_cast<double>(n);
      m.hit_rate_error = std::sqrt(m.hit_rate * (1 - m.hit_rate) / static_cast<double>(n));
    }
    metrics.push_back(m);
  }
  return metrics;
}

PairedComparison ComparePaired(const std::vector<uint32_t>& first,
                               const std::vector<uint32_t>& second, size_t k) {
  assert(first.size() == second.size());
  PairedComparison c;
  auto hit = [k](uint32_t rank) { return rank != 0 && rank <= k; };
  for (size_t i = 0; i < first.size(); ++i) {
    if (hit(first[i]) && !hit(second[i])) ++c.only_first;
    if (hit(second[i]) && !hit(first[i])) ++c.only_second;
  }
  if (first.empty()) return c;
  const auto n = static_cast<double>(first.size());
  c.difference = (static_cast<double>(c.only_first) - static_cast<double>(c.only_second)) / n;
  // Each pair's difference is -1, 0 or 1: its variance is E[d^2] - E[d]^2.
  const double variance =
      static_cast<double>(c.only_first + c.only_second) / n - c.difference * c.difference;
  c.standard_error = std::sqrt(std::max(0.0, variance) / n);
  return c;
}

Ranker ModelRanker(const Recommender& recommender, Scoring scoring) {
  return [&recommender, scoring](std::span<const int32_t> context, size_t k) {
    std::vector<Neighbor> neighbors =
        recommender.Continue(scoring, context, k, nullptr, {}, context.size());
    std::vector<int32_t> rows;
    rows.reserve(neighbors.size());
    for (const Neighbor& n : neighbors) rows.push_back(n.row);
    return rows;
  };
}

Ranker PopularityRanker(const std::vector<int64_t>& counts) {
  return [order = ByPopularity(counts)](std::span<const int32_t> context, size_t k) {
    std::vector<int32_t> rows;
    AppendByPopularity(
        order, context.back(), k, [](int32_t) { return false; }, &rows);
    return rows;
  };
}

Ranker PairScoresRanker(const PairScores& pairs, const std::vector<int64_t>& counts) {
  return [&pairs, &counts, popular = ByPopularity(counts)](std::span<const int32_t> context,
                                                           size_t k) {
    // One dense score per row and thread, reset through the rows it touched.
    thread_local std::vector<float> scores;
    thread_local std::vector<int32_t> touched;
    scores.resize(counts.size(), 0.0f);
    touched.clear();
    const std::vector<float> weights = RecencyWeights(context.size());
    // Every context song's pairs as the last one's (distance 1), as the definition has them.
    for (size_t i = 0; i < context.size(); ++i) {
      pairs.Accumulate(context[i], 1, weights[i], &scores, &touched);
    }
    const int32_t a = context.back();
    std::erase(touched, a);
    auto better = [&](int32_t x, int32_t y) {
      if (scores[x] != scores[y]) return scores[x] > scores[y];
      if (counts[x] != counts[y]) return counts[x] > counts[y];
      return x < y;
    };
    const size_t n = std::min(k, touched.size());
    std::partial_sort(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(n),
                      touched.end(), better);
    std::vector<int32_t> rows(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(n));
    // Then songs with no score, by popularity.
    AppendByPopularity(
        popular, a, k, [](int32_t row) { return scores[row] != 0; }, &rows);
    for (int32_t row : touched) scores[row] = 0;
    scores[a] = 0;
    return rows;
  };
}

std::vector<int64_t> CountsIn(const Corpus& train, const Vocabulary& vocabulary) {
  const std::vector<int32_t> rows = vocabulary.RowsOf(train);
  std::vector<int64_t> counts(vocabulary.size(), 0);
  for (int32_t token : train.tokens) {
    if (rows[token] >= 0) ++counts[rows[token]];
  }
  return counts;
}

std::vector<Segment> SegmentsByPopularity(const std::vector<int64_t>& counts) {
  // A song's segment follows from the plays of the songs strictly more popular than it, so songs
  // with equal counts always share a segment, whatever the order of the vocabulary.
  const std::vector<int32_t> order = ByPopularity(counts);
  const double total =
      static_cast<double>(std::accumulate(counts.begin(), counts.end(), int64_t{0}));
  std::vector<Segment> segments(counts.size(), Segment::kTail);
  double more_popular = 0;  // plays of the songs with a higher count than the current one
  double so_far = 0;        // plays of the songs ranked above the current one
  for (size_t i = 0; i < order.size(); ++i) {
    const int32_t row = order[i];
    if (i > 0 && counts[row] != counts[order[i - 1]]) more_popular = so_far;
    segments[row] = more_popular < total / 3       ? Segment::kHead
                    : more_popular < 2 * total / 3 ? Segment::kTorso
                                                   : Segment::kTail;
    so_far += static_cast<double>(counts[row]);
  }
  return segments;
}

Baselines::Baselines(const Corpus& train, const Vocabulary& vocabulary,
                     std::shared_ptr<const SequentialRules> counted_rules)
    : counts(CountsIn(train, vocabulary)),
      cooccurrence(train, vocabulary),
      rules(counted_rules != nullptr ? std::move(counted_rules)
                                     : std::make_shared<const SequentialRules>(train, vocabulary)) {
}

EvaluationReport EvaluateNextSong(const Vocabulary& vocabulary, const Recommender& recommender,
                                  const Corpus& test, const Baselines& baselines,
                                  const std::vector<size_t>& ks, int threads, size_t max_pairs,
                                  size_t context) {
  assert(!ks.empty() && std::is_sorted(ks.begin(), ks.end()));
  EvaluationReport report;
  report.context = context;
  report.pairs = CollectPairs(test, vocabulary, context);
  SamplePairs(max_pairs, 1, &report.pairs);
  const std::vector<Segment> segment_of_row = SegmentsByPopularity(baselines.counts);
  std::vector<bool> in_segment[3];
  for (auto& selected : in_segment) selected.resize(report.pairs.pairs.size());
  for (size_t i = 0; i < report.pairs.pairs.size(); ++i) {
    const auto segment = static_cast<size_t>(segment_of_row[report.pairs.pairs[i].second]);
    in_segment[segment][i] = true;
    ++report.pairs_by_segment[segment];
  }
  auto add = [&](std::string name, const Ranker& ranker) {
    std::vector<uint32_t> ranks = RankTargets(report.pairs, ks.back(), ranker, threads);
    RankingResult result{std::move(name), Summarize(ranks, ks), {}, {}};
    for (size_t s = 0; s < 3; ++s) result.by_segment[s] = Summarize(ranks, ks, in_segment[s]);
    result.ranks = std::move(ranks);
    report.rankings.push_back(std::move(result));
  };
  add("similar", ModelRanker(recommender, Scoring::kSimilar));
  if (recommender.has_next()) add("next", ModelRanker(recommender, Scoring::kNext));
  add("popularity", PopularityRanker(baselines.counts));
  add("co-occurrence", PairScoresRanker(baselines.cooccurrence, baselines.counts));
  add("sequential rules", PairScoresRanker(*baselines.rules, baselines.counts));
  return report;
}

std::vector<std::string> EvaluationWarnings(const EvaluationReport& report) {
  std::vector<std::string> warnings;
  const size_t scored = report.pairs.pairs.size();
  if (scored < kFewPairs && !report.rankings.empty()) {
    const RankingMetrics& first = report.rankings.front().all.front();
    warnings.push_back("only " + std::to_string(scored) + " pairs were scored: at HR@" +
                       std::to_string(first.k) + " one hit moves a figure by " +
                       Fixed(1.0 / static_cast<double>(std::max<size_t>(scored, 1)), 4) +
                       ", so differences of a few hits mean nothing");
  }
  if (report.pairs.total > 0 && report.pairs.coverage() < kLowCoverage) {
    warnings.push_back("only " + Fixed(100 * report.pairs.coverage(), 1) +
                       "% of the test pairs have both songs in the model's vocabulary: the "
                       "figures speak for those alone");
  }
  return warnings;
}

double RandomPairCosine(const Matrix& vectors, size_t pairs, uint64_t seed) {
  if (vectors.rows() < 2 || pairs == 0) return 0;
  Random rng(seed);
  double sum = 0;
  size_t counted = 0;
  const auto rows = static_cast<uint32_t>(vectors.rows());
  while (counted < pairs) {
    const uint32_t a = rng.Uniform(rows), b = rng.Uniform(rows);
    if (a == b) continue;
    const double norms = static_cast<double>(vectors.row(a).norm()) * vectors.row(b).norm();
    sum += norms > 0 ? vectors.row(a).dot(vectors.row(b)) / norms : 0.0;
    ++counted;
  }
  return sum / static_cast<double>(pairs);
}

double AscendingShare(const Corpus& corpus, const std::vector<std::string>& name_of_token) {
  size_t pairs = 0, ascending = 0;
  for (size_t p = 0; p < corpus.num_playlists(); ++p) {
    const std::span<const int32_t> playlist = corpus.playlist(p);
    for (size_t i = 1; i < playlist.size(); ++i) {
      if (playlist[i] == playlist[i - 1]) continue;
      ++pairs;
      ascending += name_of_token[playlist[i - 1]] <= name_of_token[playlist[i]];
    }
  }
  return pairs == 0 ? 0 : static_cast<double>(ascending) / static_cast<double>(pairs);
}

TagAgreement MeasureTagAgreement(const Recommender& recommender,
                                 const std::vector<std::vector<std::string>>& tags_of_row, size_t k,
                                 int threads) {
  // Tags as sorted integer ids, so that "share a tag" is a merge of two short lists.
  std::unordered_map<std::string, int32_t> tag_id;
  std::vector<std::vector<int32_t>> tags(tags_of_row.size());
  std::vector<int32_t> tagged;
  for (size_t row = 0; row < tags_of_row.size(); ++row) {
    for (const std::string& tag : tags_of_row[row]) {
      tags[row].push_back(
          tag_id.try_emplace(tag, static_cast<int32_t>(tag_id.size())).first->second);
    }
    std::sort(tags[row].begin(), tags[row].end());
    if (!tags[row].empty()) tagged.push_back(static_cast<int32_t>(row));
  }
  auto share = [&](int32_t a, int32_t b) {
    std::vector<int32_t>::const_iterator x = tags[a].begin(), y = tags[b].begin();
    while (x != tags[a].end() && y != tags[b].end()) {
      if (*x == *y) return true;
      *x < *y ? ++x : ++y;
    }
    return false;
  };
  TagAgreement result;
  result.songs = tagged.size();
  if (tagged.size() < 2) return result;
  // Per source: neighbours found, how many share a tag, and how many of its random songs do.
  struct Counts {
    uint32_t neighbors = 0, neighbors_sharing = 0, random_sharing = 0;
  };
  std::vector<Counts> counts(tagged.size());
  ParallelFor(0, tagged.size(), threads, [&](size_t i) {
    const int32_t a = tagged[i];
    const int32_t seed[] = {a};
    for (const Neighbor& n :
         recommender.Recommend(Scoring::kSimilar, seed, {}, k,
                               [&](int32_t row) { return row == a || tags[row].empty(); })) {
      ++counts[i].neighbors;
      counts[i].neighbors_sharing += share(a, n.row);
    }
    Random rng(static_cast<uint64_t>(a));
    for (size_t drawn = 0; drawn < k;) {
      const int32_t b = tagged[rng.Uniform(static_cast<uint32_t>(tagged.size()))];
      if (b == a) continue;
      counts[i].random_sharing += share(a, b);
      ++drawn;
    }
  });
  double neighbors = 0, neighbors_sharing = 0, random_sharing = 0;
  for (const Counts& c : counts) {
    neighbors += c.neighbors;
    neighbors_sharing += c.neighbors_sharing;
    random_sharing += c.random_sharing;
  }
  result.neighbors = neighbors_sharing / neighbors;
  result.random = random_sharing / static_cast<double>(tagged.size() * k);
  return result;
}

}  // namespace songvec
