#include "trainer/build_model.h"

#include <chrono>
#include <utility>

namespace songvec {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool AllChosen(const ContinuationChoices& c) {
  return c.rules_per_play && c.rules_by_distance && c.context_decay && c.repeats &&
         c.repeat_weight && c.neighbors && c.neighbors_weight;
}

}  // namespace

Status ModelOptions::Validate() const {
  SONGVEC_RETURN_IF_ERROR(train.Validate());
  if (!(rules_weight >= 0)) return Status::InvalidArgument("--rules-weight must be at least 0");
  return continuation.Validate();
}

Result<ModelInput> PrepareInput(const Corpus& playlists, const ModelOptions& options,
                                bool choose_continuation) {
  SONGVEC_RETURN_IF_ERROR(options.Validate());
  ModelInput input;
  input.min_count = options.train.min_count;
  input.vocabulary = Vocabulary::Build(playlists, options.train.min_count);
  input.encoded = input.vocabulary.Encode(playlists);
  if (options.rules_weight > 0) {
    input.rules = std::make_shared<const SequentialRules>(playlists, input.vocabulary);
  }
  // The continuation choices left to validation are scored on a tenth of the playlists, held out
  // of the rules they are ranked with (the vectors are trained on all of them: training twice
  // would double the time, and the count term carries most of next's score).
  input.choosing = choose_continuation && !AllChosen(options.continuation);
  if (input.choosing) {
    const CorpusSplit split = SplitCorpus(playlists, kChoiceValidation, 0, options.train.seed);
    input.choice_pairs = CollectPairs(split.validation, input.vocabulary, kDefaultContext);
    SamplePairs(kChoicePairs, 1, &input.choice_pairs);
    if (options.rules_weight > 0) {
      input.choice_rules = std::make_shared<const SequentialRules>(split.train, input.vocabulary);
    }
  }
  return input;
}

Recommender TrainedModel::recommender() const {
  return Recommender(embeddings, scoring, rules, IndexPolicy::kAuto, search);
}

Result<TrainedModel> BuildModel(const ModelInput& input, const ModelOptions& options,
                                const BuildSettings& settings) {
  SONGVEC_RETURN_IF_ERROR(options.Validate());
  if (input.min_count != options.train.min_count || (options.rules_weight > 0 && !input.rules)) {
    return Status::InvalidArgument(
        "the model's input was prepared for other options (min_count or rules weight)");
  }
  TrainedModel model;
  SONGVEC_ASSIGN_OR_RETURN(model.embeddings, Train(input.encoded, input.vocabulary, options.train,
                                                   settings.progress, 0.5, &model.summary));
  model.rules = input.rules;
  // What the searches need, stored with the model so that the server builds nothing slow at load.
  if (settings.prepare_search) {
    const auto start = std::chrono::steady_clock::now();
    model.search =
        Recommender::PrepareSearch(model.embeddings, options.train.threads, &model.recall);
    model.search_seconds = SecondsSince(start);
  }

  NextScoring base;
  base.popularity_weight = static_cast<float>(options.resolved_next_bias());
  base.rules_weight = static_cast<float>(options.rules_weight);
  model.scoring = ContinuationStart(base, options.continuation);
  if (input.choosing && input.choice_pairs.pairs.size() >= kFewPairs) {
    const auto start = std::chrono::steady_clock::now();
    const Recommender held_out(model.embeddings, model.scoring, input.choice_rules,
                               IndexPolicy::kAuto, model.search);
    model.scoring = ChooseContinuation(held_out, options.continuation, input.choice_pairs,
                                       options.train.threads, &model.continuation_trials);
    model.choice_seconds = SecondsSince(start);
  }
  return model;
}

}  // namespace songvec
