#include "core/scoring_choice.h"

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>

namespace songvec {

Status ContinuationChoices::Validate() const {
  auto check = [](const std::optional<float>& value, float low, const char* name) {
    if (!value || (*value >= low && *value <= 1)) return Status();
    char message[96];
    std::snprintf(message, sizeof(message), "the %s must be from %g to 1, not %g", name,
                  static_cast<double>(low), static_cast<double>(*value));
    return Status::InvalidArgument(message);
  };
  SONGVEC_RETURN_IF_ERROR(check(context_decay, 0.01f, "context decay"));
  SONGVEC_RETURN_IF_ERROR(check(repeat_weight, 0, "repeat weight"));
  if (neighbors && (*neighbors < 0 || *neighbors > kMaxNeighbors)) {
    return Status::InvalidArgument("the neighbours must be from 0 to " +
                                   std::to_string(kMaxNeighbors) + ", not " +
                                   std::to_string(*neighbors));
  }
  if (neighbors_weight && !(*neighbors_weight >= 0 && *neighbors_weight <= kMaxNeighbors)) {
    char message[96];
    std::snprintf(message, sizeof(message), "the neighbours' weight must be from 0 to %d, not %g",
                  kMaxNeighbors, static_cast<double>(*neighbors_weight));
    return Status::InvalidArgument(message);
  }
  return Status();
}

NextScoring ContinuationStart(const NextScoring& base, const ContinuationChoices& given) {
  NextScoring start = base;
  start.rules_per_play = given.rules_per_play.value_or(true);
  start.rules_by_distance = given.rules_by_distance.value_or(false);
  start.context_decay = given.context_decay.value_or(kRecencyDecay);
  start.repeats = given.repeats.value_or(false);
  start.repeat_weight = given.repeat_weight.value_or(1.0f);
  start.neighbors = given.neighbors.value_or(0);
  start.neighbors_weight = given.neighbors_weight.value_or(0.0f);
  return start;
}

NextScoring ChooseContinuation(const Recommender& model, const ContinuationChoices& given,
                               const NextSongPairs& validation, int threads,
                               std::vector<ContinuationTrial>* trials) {
  NextScoring best = ContinuationStart(model.next_scoring(), given);
  auto score = [&](const NextScoring& scoring) {
    const Recommender recommender = model.WithNextScoring(scoring);
    const std::vector<uint32_t> ranks =
        RankTargets(validation, 10, ModelRanker(recommender, Scoring::kNext), threads);
    const double hit_rate = Summarize(ranks, {10}).front().hit_rate;
    if (trials != nullptr) trials->push_back({scoring, hit_rate});
    return hit_rate;
  };
  double best_hit_rate = score(best);
  auto try_change = [&](const std::function<void(NextScoring&)>& change) {
    NextScoring candidate = best;
    change(candidate);
    const double hit_rate = score(candidate);
    if (hit_rate > best_hit_rate) {
      best = candidate;
      best_hit_rate = hit_rate;
    }
  };
  // Without a count term the rules' choices change nothing.
  const bool counts = model.has_count_term();
  if (counts && !given.rules_per_play) {
    try_change([](NextScoring& s) { s.rules_per_play = false; });
  }
  if (counts && !given.rules_by_distance) {
    try_change([](NextScoring& s) { s.rules_by_distance = true; });
  }
  if (!given.context_decay) {
    for (const float decay : {0.7f, 0.85f}) {
      try_change([decay](NextScoring& s) { s.context_decay = decay; });
    }
  }
  // Repeats at each repeat weight (which only counts where they may come back).
  if (!given.repeats || *given.repeats) {
    std::vector<float> weights = {1.0f};
    if (given.repeat_weight) {
      weights = {*given.repeat_weight};
    } else if (counts) {
      weights = {1.0f, 0.25f, 0.0f};
    }
    for (const float weight : weights) {
      if (best.repeats && weight == best.repeat_weight) continue;  // the start, scored
      try_change([weight](NextScoring& s) {
        s.repeats = true;
        s.repeat_weight = weight;
      });
    }
  }
  // The nearest playlists, at each count and weight not given (both given: kept as they are).
  if (model.may_use_neighbors() && !(given.neighbors && given.neighbors_weight)) {
    const std::vector<int> sizes =
        given.neighbors ? std::vector<int>{*given.neighbors} : std::vector<int>{10, 20};
    const std::vector<float> weights = given.neighbors_weight
                                           ? std::vector<float>{*given.neighbors_weight}
                                           : std::vector<float>{3.0f, 10.0f, 30.0f};
    for (const int size : sizes) {
      for (const float weight : weights) {
        try_change([size, weight](NextScoring& s) {
          s.neighbors = size;
          s.neighbors_weight = weight;
        });
      }
    }
  }
  return best;
}

}  // namespace songvec
