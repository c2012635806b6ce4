#include "core/recommender.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/pruned_index.h"

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

// Adds `sign` / seeds.size() times each seed's row of `index` (or of `matrix`) to `query`.
template <typename RowOf>
void AddMean(std::span<const int32_t> seeds, float sign, RowOf row_of, Eigen::VectorXf* query) {
  for (int32_t seed : seeds) {
    std::span<const float> row = row_of(seed);
    *query += (sign / static_cast<float>(seeds.size())) *
              Eigen::Map<const Eigen::VectorXf>(row.data(), static_cast<Eigen::Index>(row.size()));
  }
}

}  // namespace

const char* ScoringName(Scoring scoring) {
  return scoring == Scoring::kSimilar ? "similar" : "next";
}

Result<Scoring> ParseScoring(const std::string& name) {
  if (name == "similar") return Scoring::kSimilar;
  if (name == "next") return Scoring::kNext;
  return Status::InvalidArgument("unknown scoring '" + name + "' (expected similar or next)");
}

Recommender::Recommender(const Embeddings& embeddings, float next_bias_weight,
                         std::optional<Cooccurrence> cooccurrence, float cooccurrence_weight,
                         IndexPolicy policy, SearchLayouts layouts)
    : unit_(std::make_shared<const FlatIndex>(embeddings.input, Similarity::kCosine)),
      similar_(MakeIndex(unit_, policy, std::move(layouts.similar))),
      cooccurrence_(std::move(cooccurrence)),
      cooccurrence_weight_(cooccurrence_weight) {
  if (embeddings.output.cols() > 0) {
    input_ = embeddings.input;
    next_ = MakeIndex(
        std::make_shared<const FlatIndex>(embeddings.output, Similarity::kDot,
                                          PopularityTerm(embeddings.vocabulary, next_bias_weight)),
        policy, std::move(layouts.next));
  }
}

SearchLayouts Recommender::Layouts(const Embeddings& embeddings) {
  // A layout depends on the rows alone, not on the popularity term (any valid layout gives the
  // exact answers; a good one prunes more).
  SearchLayouts layouts;
  layouts.similar = PrunedIndex::Layout(FlatIndex(embeddings.input, Similarity::kCosine));
  if (embeddings.output.cols() > 0) {
    layouts.next = PrunedIndex::Layout(FlatIndex(embeddings.output, Similarity::kDot));
  }
  return layouts;
}

std::vector<Neighbor> Recommender::Recommend(Scoring scoring, std::span<const int32_t> positive,
                                             std::span<const int32_t> negative, size_t k,
                                             const RowFilter& exclude) const {
  assert(!positive.empty());
  Eigen::VectorXf query = Eigen::VectorXf::Zero(similar_->dim());
  if (scoring == Scoring::kSimilar) {
    auto unit_row = [this](int32_t row) { return unit_->row(row); };
    AddMean(positive, 1.0f, unit_row, &query);
    AddMean(negative, -1.0f, unit_row, &query);
    return similar_->Search({query.data(), static_cast<size_t>(query.size())}, k, exclude);
  }
  assert(has_next());
  auto input_row = [this](int32_t row) {
    return std::span<const float>(input_.row(row).data(), static_cast<size_t>(input_.cols()));
  };
  AddMean(positive, 1.0f, input_row, &query);
  AddMean(negative, -1.0f, input_row, &query);
  // The co-occurrence term, by row; a row next to several seeds sums their terms in seed order.
  std::vector<Neighbor> extra;
  if (cooccurrence_.has_value()) {
    const float weight = cooccurrence_weight_ / static_cast<float>(positive.size());
    for (int32_t seed : positive) {
      for (const auto& [row, count] : cooccurrence_->neighbors(seed)) {
        extra.push_back({row, weight * std::log1p(static_cast<float>(count))});
      }
    }
    std::stable_sort(extra.begin(), extra.end(),
                     [](const Neighbor& a, const Neighbor& b) { return a.row < b.row; });
    size_t merged = 0;
    for (size_t i = 0; i < extra.size(); ++i) {
      if (merged > 0 && extra[merged - 1].row == extra[i].row) {
        extra[merged - 1].score += extra[i].score;
      } else {
        extra[merged++] = extra[i];
      }
    }
    extra.resize(merged);
  }
  return next_->Search({query.data(), static_cast<size_t>(query.size())}, k, exclude, extra);
}

}  // namespace songvec
