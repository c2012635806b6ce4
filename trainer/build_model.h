#ifndef SONGVEC_TRAINER_BUILD_MODEL_H_
#define SONGVEC_TRAINER_BUILD_MODEL_H_

#include <memory>
#include <optional>
#include <vector>

#include "core/corpus.h"
#include "core/embeddings.h"
#include "core/evaluation.h"
#include "core/recommender.h"
#include "core/scoring_choice.h"
#include "core/sequential_rules.h"
#include "core/status.h"
#include "core/trainer.h"
#include "core/vocabulary.h"

namespace songvec {

// The one training pipeline of train and tune: playlists -> vocabulary -> encoded playlists and
// sequential rules (PrepareInput) -> SGNS vectors, searches and next scoring (BuildModel). Both
// commands make every model through these two functions, so the two cannot differ in how a model
// is made from its options.

// Everything that makes a model: how it is trained and how its next scores are weighed.
struct ModelOptions {
  TrainOptions train;
  // Weight of the count term (sequential rules) of next scores; 0: a pure SGNS model.
  double rules_weight = kDefaultRulesWeight;
  // Weight of the popularity term of next scores; unset: the ns_exponent.
  std::optional<double> next_bias;
  // How next continues a playlist; unset choices are made on validation playlists.
  ContinuationChoices continuation;

  double resolved_next_bias() const { return next_bias.value_or(train.ns_exponent); }
  // InvalidArgument naming the option unless the training options, the rules weight (at least 0)
  // and the continuation choices are valid.
  Status Validate() const;
};

// How many validation pairs the continuation choices are scored on at most, and the share of the
// playlists held out for them.
constexpr size_t kChoicePairs = 5000;
constexpr double kChoiceValidation = 0.1;

// What a model is trained on, made from the playlists by the options' min_count and rules weight.
struct ModelInput {
  int64_t min_count = 1;
  Vocabulary vocabulary;  // the songs seen at least min_count times
  Corpus encoded;         // the playlists as vocabulary rows
  // Counted in all the playlists where the rules weight is above 0, else null.
  std::shared_ptr<const SequentialRules> rules;
  // Where continuation choices are left to validation (PrepareInput's `choose_continuation`):
  // up to kChoicePairs pairs of a kChoiceValidation share of the playlists (split by the seed),
  // and where the rules weight is above 0 the rules of the others.
  bool choosing = false;
  NextSongPairs choice_pairs;
  std::shared_ptr<const SequentialRules> choice_rules;
};

// `playlists` made ready for BuildModel with `options` (validated first: Validate's error). With
// `choose_continuation` (train), the unset continuation choices are held out for; without (tune),
// BuildModel leaves them at ContinuationStart's values.
Result<ModelInput> PrepareInput(const Corpus& playlists, const ModelOptions& options,
                                bool choose_continuation);

struct BuildSettings {
  ProgressCallback progress;   // training progress (may be empty)
  bool prepare_search = true;  // what a stored model needs (Recommender::PrepareSearch)
};

// A trained model, ready to score and to store.
struct TrainedModel {
  Embeddings embeddings;
  std::shared_ptr<const SequentialRules> rules;  // the input's (null: a pure SGNS model)
  StoredSearch search;                           // empty without BuildSettings::prepare_search
  GraphRecall recall;
  double search_seconds = 0;
  // Popularity weight the resolved next bias, rules weight the option's, continuation chosen
  // where the input holds out for it, else ContinuationStart's values for the unset choices.
  NextScoring scoring;
  TrainSummary summary;
  // Where the input held out for the continuation choices: the settings tried (empty where the
  // validation pairs were below kFewPairs: ContinuationStart's values are kept), and the time.
  std::vector<ContinuationTrial> continuation_trials;
  double choice_seconds = 0;

  // The model's searches and scoring (kAuto).
  Recommender recommender() const;
};

// Trains `options`' model on `input` (which PrepareInput made with the same min_count, and with
// rules where the rules weight is above 0: InvalidArgument otherwise), with `threads` from the
// options for training, searches and choices. One thread and a seed give identical vectors.
Result<TrainedModel> BuildModel(const ModelInput& input, const ModelOptions& options,
                                const BuildSettings& settings);

}  // namespace songvec

#endif  // SONGVEC_TRAINER_BUILD_MODEL_H_
