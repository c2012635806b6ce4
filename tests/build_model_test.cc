#include "trainer/build_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/small_world.h"

namespace songvec {
namespace {

ModelOptions FastOptions() {
  ModelOptions options;
  options.train.dim = 16;
  options.train.window = 5;
  options.train.negative = 5;
  options.train.epochs = 5;
  options.train.threads = 1;
  options.train.seed = 5;
  return options;
}

// What train does with the options, and what tune does with them (no continuation choices, no
// stored searches).
Result<TrainedModel> AsTrain(const Corpus& playlists, const ModelOptions& options) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInput input, PrepareInput(playlists, options, true));
  return BuildModel(input, options, {});
}
Result<TrainedModel> AsTune(const Corpus& playlists, const ModelOptions& options) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInput input, PrepareInput(playlists, options, false));
  return BuildModel(input, options, {.progress = nullptr, .prepare_search = false});
}

// Mean share of the 10 answers to each song (asked alone) that share its genre.
double GenreAgreement(const Recommender& model, Scoring scoring, const Vocabulary& vocabulary,
                      const SyntheticData& data) {
  auto genre = [&](int32_t row) { return data.genre_of_song[std::stoi(vocabulary.key(row))]; };
  double agreement = 0;
  for (size_t row = 0; row < vocabulary.size(); ++row) {
    const auto seed = static_cast<int32_t>(row);
    const std::vector<int32_t> seeds = {seed};
    int same = 0;
    for (const Neighbor& n :
         model.Recommend(scoring, seeds, {}, 10, [seed](int32_t x) { return x == seed; })) {
      same += genre(n.row) == genre(seed);
    }
    agreement += same / 10.0;
  }
  return agreement / static_cast<double>(vocabulary.size());
}

TEST(BuildModel, AnswersRespectThePlantedGenres) {
  const SyntheticData data = SmallWorld();
  Result<TrainedModel> model = AsTrain(data.train, FastOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const Vocabulary& vocabulary = model->embeddings.vocabulary;
  EXPECT_EQ(vocabulary.size(), 120u);
  ASSERT_NE(model->rules, nullptr);
  const Recommender recommender = model->recommender();
  ASSERT_TRUE(recommender.has_next());
  // Chance is 0.25 with four genres.
  EXPECT_GT(GenreAgreement(recommender, Scoring::kSimilar, vocabulary, data), 0.9);
  EXPECT_GT(GenreAgreement(recommender, Scoring::kNext, vocabulary, data), 0.7);
  EXPECT_GT(model->summary.tokens, 0);
}

TEST(BuildModel, TrainAndTuneMakeBitIdenticalVectorsOnOneThread) {
  const SyntheticData data = SmallWorld();
  const ModelOptions options = FastOptions();
  Result<TrainedModel> train = AsTrain(data.train, options);
  Result<TrainedModel> tune = AsTune(data.train, options);
  ASSERT_TRUE(train.ok()) << train.status().message();
  ASSERT_TRUE(tune.ok()) << tune.status().message();
  EXPECT_EQ(train->embeddings.vocabulary.keys(), tune->embeddings.vocabulary.keys());
  EXPECT_TRUE(train->embeddings.input == tune->embeddings.input);
  EXPECT_TRUE(train->embeddings.output == tune->embeddings.output);
  // The same weights of next's terms: the resolved next bias and the rules weight.
  EXPECT_EQ(train->scoring.popularity_weight, tune->scoring.popularity_weight);
  EXPECT_EQ(train->scoring.rules_weight, tune->scoring.rules_weight);
}

TEST(BuildModel, ScoresNextWithTheResolvedNextBiasAndTheRulesWeight) {
  const SyntheticData data = SmallWorld();
  ModelOptions options = FastOptions();
  options.train.epochs = 1;
  options.train.ns_exponent = 0.5;
  options.rules_weight = 30;
  options.continuation.context_decay = 0.7f;
  Result<TrainedModel> model = AsTune(data.train, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->scoring.popularity_weight, 0.5f);  // unset next_bias: the ns_exponent
  EXPECT_EQ(model->scoring.rules_weight, 30.0f);
  EXPECT_EQ(model->scoring.context_decay, 0.7f);  // a choice given is kept
  EXPECT_TRUE(model->continuation_trials.empty());
  EXPECT_TRUE(model->search.next.empty());
  options.next_bias = 0.25;
  model = AsTune(data.train, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->scoring.popularity_weight, 0.25f);
}

TEST(BuildModel, AModelWithoutRulesWeightCountsNoRules) {
  const SyntheticData data = SmallWorld();
  ModelOptions options = FastOptions();
  options.train.epochs = 1;
  options.rules_weight = 0;
  Result<ModelInput> input = PrepareInput(data.train, options, true);
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_EQ(input->rules, nullptr);
  EXPECT_EQ(input->choice_rules, nullptr);
  EXPECT_TRUE(input->choosing);
  Result<TrainedModel> model = BuildModel(*input, options, {});
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->rules, nullptr);
  EXPECT_FALSE(model->recommender().has_count_term());
}

TEST(BuildModel, ChoosesTheUnsetContinuationChoicesOnlyForTrain) {
  const SyntheticData data = SmallWorld();
  ModelOptions options = FastOptions();
  options.train.epochs = 1;
  Result<TrainedModel> train = AsTrain(data.train, options);
  ASSERT_TRUE(train.ok()) << train.status().message();
  // The first setting tried is ContinuationStart's.
  ASSERT_FALSE(train->continuation_trials.empty());
  EXPECT_EQ(train->continuation_trials.front().scoring.context_decay, kRecencyDecay);
  // Every choice given: nothing left to choose.
  ContinuationChoices& c = options.continuation;
  c = {true, false, 0.5f, false, 1.0f, 0, 0.0f};
  Result<ModelInput> input = PrepareInput(data.train, options, true);
  ASSERT_TRUE(input.ok()) << input.status().message();
  EXPECT_FALSE(input->choosing);
}

TEST(BuildModel, ABadOptionGivesTrainAndTuneTheSameError) {
  const SyntheticData data = SmallWorld();
  auto expect_refused = [&](const ModelOptions& options, const std::string& message) {
    const Status valid = options.Validate();
    ASSERT_FALSE(valid.ok());
    EXPECT_EQ(valid.message(), message);
    for (auto build : {AsTrain, AsTune}) {
      Result<TrainedModel> model = build(data.train, options);
      ASSERT_FALSE(model.ok());
      EXPECT_EQ(model.status().code(), valid.code());
      EXPECT_EQ(model.status().message(), message);
    }
  };
  ModelOptions options = FastOptions();
  options.train.alpha = 2;
  expect_refused(options, "--alpha must be above 0 and at most 1");
  options = FastOptions();
  options.rules_weight = -1;
  expect_refused(options, "--rules-weight must be at least 0");
  options = FastOptions();
  options.continuation.context_decay = 0;
  ContinuationChoices no_decay;
  no_decay.context_decay = 0;
  expect_refused(options, no_decay.Validate().message());
}

TEST(BuildModel, RefusesAnInputPreparedForOtherOptions) {
  const SyntheticData data = SmallWorld();
  ModelOptions options = FastOptions();
  options.rules_weight = 0;
  Result<ModelInput> input = PrepareInput(data.train, options, false);
  ASSERT_TRUE(input.ok()) << input.status().message();
  options.rules_weight = 10;  // needs rules the input has not counted
  Result<TrainedModel> model = BuildModel(*input, options, {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Status::Code::kInvalidArgument);
  options.rules_weight = 0;
  options.train.min_count = 2;
  EXPECT_FALSE(BuildModel(*input, options, {}).ok());
}

}  // namespace
}  // namespace songvec
