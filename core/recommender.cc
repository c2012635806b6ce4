#include "core/recommender.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/hnsw_index.h"
#include "core/pruned_index.h"
#include "core/random.h"

namespace songvec {
namespace {

std::vector<float> PopularityTerm(const Vocabulary& vocabulary, float weight) {
  std::vector<float> bias(vocabulary.size(), 0.0f);
  for (size_t row = 0; row < vocabulary.size(); ++row) {
    const int64_t count = vocabulary.count(row);
    if (count > 0) bias[row] = weight * std::log(static_cast<float>(count));
  }
  return bias;
}

// Adds sign times the mean of the seeds' rows, weighted by `weights` (summing to 1; empty:
// equal), to `query`.
template <typename RowOf>
void AddMean(std::span<const int32_t> seeds, float sign, std::span<const float> weights,
             RowOf row_of, Eigen::VectorXf* query) {
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::span<const float> row = row_of(seeds[i]);
    const float share =
        sign * (weights.empty() ? 1.0f / static_cast<float>(seeds.size()) : weights[i]);
    *query += share *
              Eigen::Map<const Eigen::VectorXf>(row.data(), static_cast<Eigen::Index>(row.size()));
  }
}

}  // namespace

std::vector<float> RecencyWeights(size_t n, float decay) {
  std::vector<float> weights(n);
  float weight = 1;
  for (size_t i = n; i-- > 0; weight *= decay) weights[i] = weight;
  return weights;
}

std::shared_ptr<const FlatIndex> SimilarRows(const Matrix& input) {
  std::vector<double> sum(static_cast<size_t>(input.cols()), 0.0);
  for (Eigen::Index r = 0; r < input.rows(); ++r) {
    for (Eigen::Index c = 0; c < input.cols(); ++c) sum[c] += input(r, c);
  }
  Eigen::RowVectorXf mean(input.cols());
  for (Eigen::Index c = 0; c < input.cols(); ++c) {
    mean[c] =
        input.rows() == 0 ? 0.0f : static_cast<float>(sum[c] / static_cast<double>(input.rows()));
  }
  return std::make_shared<const FlatIndex>(Matrix(input.rowwise() - mean), Similarity::kCosine);
}

const char* ScoringName(Scoring scoring) {
  return scoring == Scoring::kSimilar ? "similar" : "next";
}

Result<Scoring> ParseScoring(const std::string& name) {
  if (name == "similar") return Scoring::kSimilar;
  if (name == "next") return Scoring::kNext;
  return Status::InvalidArgument("unknown scoring '" + name + "' (expected similar or next)");
}

Recommender::Recommender(const Embeddings& embeddings, const NextScoring& next,
                         std::shared_ptr<const PairScores> pairs, IndexPolicy policy,
                         StoredSearch search)
    : next_scoring_(next),
      unit_(SimilarRows(embeddings.input)),
      pairs_(std::move(pairs)),
      rules_(std::dynamic_pointer_cast<const SequentialRules>(pairs_)) {
  if (pairs_ != nullptr) {
    std::vector<float> per_play;
    for (const int64_t count : embeddings.vocabulary.counts()) {
      per_play.push_back(1.0f / static_cast<float>(std::max<int64_t>(1, count)));
    }
    per_play_ = std::make_shared<const std::vector<float>>(std::move(per_play));
  }
  // A stored similar layout beside a graph says the graph fell short of kGraphMinRecall: kAuto
  // then searches exactly, and only kHnsw the graph.
  const bool graph_wanted =
      policy == IndexPolicy::kHnsw ||
      (policy == IndexPolicy::kAuto && !search.similar_graph.empty() && search.similar.empty());
  if (graph_wanted && search.similar_graph.empty()) {
    similar_ = std::make_shared<const HnswIndex>(unit_, HnswIndex::Options());
  } else if (graph_wanted) {
    Result<std::unique_ptr<HnswIndex>> graph =
        HnswIndex::Load(unit_, std::as_bytes(std::span(search.similar_graph)));
    if (graph.ok()) {
      similar_ = std::move(graph).value();
    } else {
      search_warning_ = graph.status().message() + "; similar searched exactly";
    }
  }
  if (similar_ == nullptr) similar_ = MakeIndex(unit_, policy, std::move(search.similar));
  if (embeddings.output.cols() > 0) {
    input_ = std::make_shared<const Matrix>(embeddings.input);
    next_ = MakeIndex(std::make_shared<const FlatIndex>(
                          embeddings.output, Similarity::kDot,
                          PopularityTerm(embeddings.vocabulary, next.popularity_weight)),
                      policy, std::move(search.next));
  }
}

StoredSearch Recommender::PrepareSearch(const Embeddings& embeddings, int threads,
                                        GraphRecall* recall, size_t graph_min_songs,
                                        double graph_min_recall) {
  // A layout depends on the rows alone, not on the popularity term (any valid layout gives the
  // exact answers; a good one prunes more).
  StoredSearch search;
  const std::shared_ptr<const FlatIndex> unit = SimilarRows(embeddings.input);
  GraphRecall measured;
  if (unit->size() >= graph_min_songs) {
    const auto started = std::chrono::steady_clock::now();
    HnswIndex::Options options;
    options.threads = threads;
    const HnswIndex graph(unit, options);
    measured.build_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Songs by their plays (cumulative counts, searched), and uniformly.
    constexpr size_t kQueries = 1000;
    const std::vector<int64_t>& counts = embeddings.vocabulary.counts();
    std::vector<double> cumulative(counts.size());
    std::partial_sum(counts.begin(), counts.end(), cumulative.begin(),
                     [](double sum, int64_t count) { return sum + static_cast<double>(count); });
    Random rng(17);
    std::vector<int32_t> by_plays, uniform;
    for (size_t q = 0; q < kQueries; ++q) {
      const double x = rng.UniformDouble() * cumulative.back();
      // (Counts of 0 everywhere, as vectors imported without them have, draw the last song.)
      const auto drawn = std::upper_bound(cumulative.begin(), cumulative.end(), x);
      by_plays.push_back(static_cast<int32_t>(
          std::min(drawn - cumulative.begin(), static_cast<std::ptrdiff_t>(unit->size()) - 1)));
      uniform.push_back(static_cast<int32_t>(rng.Uniform(static_cast<uint32_t>(unit->size()))));
    }
    measured.by_plays = graph.Recall(10, by_plays);
    measured.uniform = graph.Recall(10, uniform);
    measured.queries = kQueries;
    // Without a temporary file the graph cannot be kept.
    Result<std::string> bytes = graph.Serialize();
    if (bytes.ok()) search.similar_graph = std::move(bytes).value();
    measured.kept = bytes.ok() && measured.by_plays >= graph_min_recall;
  }
  if (recall != nullptr) *recall = measured;
  // The layout for the exact search, unless the graph is good enough to search instead.
  if (!measured.kept) search.similar = PrunedIndex::Layout(*unit);
  if (embeddings.output.cols() > 0) {
    search.next = PrunedIndex::Layout(FlatIndex(embeddings.output, Similarity::kDot));
  }
  return search;
}

Recommender Recommender::WithNextScoring(const NextScoring& next) const {
  assert(next.popularity_weight == next_scoring_.popularity_weight);
  Recommender copy = *this;
  copy.next_scoring_ = next;
  return copy;
}

std::vector<Neighbor> Recommender::Recommend(Scoring scoring, std::span<const int32_t> positive,
                                             std::span<const int32_t> negative, size_t k,
                                             const RowFilter& exclude) const {
  assert(!positive.empty());
  return Search(scoring, positive, {}, {}, negative, {}, k, exclude);
}

std::vector<Neighbor> Recommender::Continue(Scoring scoring, std::span<const int32_t> playlist,
                                            size_t k, const RowFilter& exclude,
                                            std::optional<bool> repeats, size_t context) const {
  assert(!playlist.empty() && context >= 1);
  // The model's continuation settings were chosen for next; similar keeps the plain ones.
  const bool next = scoring == Scoring::kNext;
  const std::span<const int32_t> seeds = playlist.last(std::min(context, playlist.size()));
  std::vector<float> weights =
      RecencyWeights(seeds.size(), next ? next_scoring_.context_decay : kRecencyDecay);
  const float total = std::accumulate(weights.begin(), weights.end(), 0.0f);
  for (float& weight : weights) weight /= total;
  std::vector<int> distances;
  if (next_scoring_.rules_by_distance) {
    for (size_t i = 0; i < seeds.size(); ++i)
      distances.push_back(static_cast<int>(seeds.size() - i));
  }
  // The playlist's other songs, sorted and distinct (at most a few hundred: quicker to ask than a
  // hash set).
  std::vector<int32_t> earlier(playlist.begin(), playlist.end() - 1);
  std::sort(earlier.begin(), earlier.end());
  earlier.erase(std::unique(earlier.begin(), earlier.end()), earlier.end());
  const int32_t last = playlist.back();
  const bool may_repeat = repeats.value_or(next && next_scoring_.repeats);
  return Search(scoring, seeds, weights, distances, {}, earlier, k, [&](int32_t row) {
    return row == last || (exclude && exclude(row)) ||
           (!may_repeat && std::binary_search(earlier.begin(), earlier.end(), row));
  });
}

std::vector<Neighbor> Recommender::Search(Scoring scoring, std::span<const int32_t> positive,
                                          std::span<const float> weights,
                                          std::span<const int> distances,
                                          std::span<const int32_t> negative,
                                          std::span<const int32_t> repeating, size_t k,
                                          const RowFilter& exclude) const {
  assert(weights.empty() || weights.size() == positive.size());
  assert(distances.empty() || distances.size() == positive.size());
  Eigen::VectorXf query = Eigen::VectorXf::Zero(similar_->dim());
  if (scoring == Scoring::kSimilar) {
    auto unit_row = [this](int32_t row) { return unit_->row(row); };
    AddMean(positive, 1.0f, weights, unit_row, &query);
    AddMean(negative, -1.0f, {}, unit_row, &query);
    return similar_->Search({query.data(), static_cast<size_t>(query.size())}, k, exclude);
  }
  assert(has_next());
  auto input_row = [this](int32_t row) {
    return std::span<const float>(input_->row(row).data(), static_cast<size_t>(input_->cols()));
  };
  AddMean(positive, 1.0f, weights, input_row, &query);
  AddMean(negative, -1.0f, {}, input_row, &query);
  // The count term, by row.
  std::unique_ptr<Scratch> scratch;
  if (pairs_ != nullptr && next_scoring_.rules_weight > 0) {
    scratch = scratch_->Take();
    std::vector<float>& sums = scratch->sums;
    std::vector<float>& near = scratch->near;
    std::vector<int32_t>& touched = scratch->touched;
    sums.resize(size(), 0.0f);
    touched.clear();
    std::vector<float> shares(positive.size());
    for (size_t i = 0; i < positive.size(); ++i) {
      shares[i] = weights.empty() ? 1.0f / static_cast<float>(positive.size()) : weights[i];
      pairs_->Accumulate(positive[i], distances.empty() ? 1 : distances[i],
                         next_scoring_.rules_per_play ? shares[i] * (*per_play_)[positive[i]]
                                                      : shares[i],
                         &sums, &touched);
    }
    // With one seed every playlist holding it is as near as the others: no neighbours.
    const bool neighbors = rules_ != nullptr && next_scoring_.neighbors > 0 &&
                           next_scoring_.neighbors_weight > 0 && positive.size() >= 2;
    if (neighbors) {
      // (A row both terms touch is listed twice, made distinct below.)
      near.resize(size(), 0.0f);
      rules_->AccumulateNeighbors(positive, shares, static_cast<size_t>(next_scoring_.neighbors),
                                  next_scoring_.neighbors_weight, &near, &touched,
                                  &scratch->neighbors);
    }
    // A playlist's own songs, should they come back, with their terms scaled.
    for (const int32_t row : repeating) {
      sums[row] *= next_scoring_.repeat_weight;
      if (neighbors) near[row] *= next_scoring_.repeat_weight;
    }
    // In row order: sorted, or where the seeds touch a good share of the rows (a popular song's
    // rules reach hundreds of thousands at a million songs) read from the dense sums, which is
    // cheaper than sorting them.
    if (touched.size() > sums.size() / 16) {
      // Without a branch: about half the rows are nonzero, which no predictor guesses.
      touched.resize(sums.size());
      size_t nonzero = 0;
      for (size_t row = 0; row < sums.size(); ++row) {
        touched[nonzero] = static_cast<int32_t>(row);
        nonzero += sums[row] != 0 || (neighbors && near[row] != 0);
      }
      touched.resize(nonzero);
    } else {
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    }
    std::vector<float>& term = scratch->term;
    term.clear();
    for (int32_t row : touched) {
      term.push_back(sums[row]);
      sums[row] = 0;
    }
    // c log(1 + sum), vectorised (hundreds of thousands of them for a popular song's seeds).
    Eigen::Map<Eigen::ArrayXf> terms(term.data(), static_cast<Eigen::Index>(term.size()));
    terms = next_scoring_.rules_weight * terms.log1p();
    if (neighbors) {
      for (size_t i = 0; i < touched.size(); ++i) {
        term[i] += near[touched[i]];
        near[touched[i]] = 0;
      }
    }
    scratch->extra.resize(touched.size());
    for (size_t i = 0; i < touched.size(); ++i) scratch->extra[i] = {touched[i], term[i]};
  }
  std::vector<Neighbor> found =
      next_->Search({query.data(), static_cast<size_t>(query.size())}, k, exclude,
                    scratch ? std::span<const Neighbor>(scratch->extra) : std::span<const Neighbor>());
  if (scratch) scratch_->Give(std::move(scratch));
  return found;
}

std::unique_ptr<Recommender::Scratch> Recommender::ScratchPool::Take() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Scratch> scratch = std::move(idle_.back());
      idle_.pop_back();
      return scratch;
    }
  }
  return std::make_unique<Scratch>();
}

void Recommender::ScratchPool::Give(std::unique_ptr<Scratch> scratch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(scratch));
}

}  // namespace songvec
