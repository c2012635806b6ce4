#include "core/trainer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/flat_index.h"
#include "tests/small_world.h"

namespace songvec {
namespace {

TrainOptions FastOptions() {
  TrainOptions options;
  options.dim = 16;
  options.window = 5;
  options.negative = 5;
  options.epochs = 5;
  options.threads = 1;
  options.seed = 5;
  return options;
}

// Mean share of each song's 10 nearest neighbours (by cosine) that share its genre.
double GenreAgreement(const Embeddings& embeddings, const SyntheticData& data) {
  const FlatIndex index(embeddings.input, Similarity::kCosine);
  double agreement = 0;
  for (size_t row = 0; row < embeddings.vocabulary.size(); ++row) {
    const int genre = data.genre_of_song[std::stoi(embeddings.vocabulary.key(row))];
    const auto r = static_cast<int32_t>(row);
    int same = 0;
    for (const Neighbor& n : index.Search(index.row(r), 10, [r](int32_t x) { return x == r; })) {
      same += data.genre_of_song[std::stoi(embeddings.vocabulary.key(n.row))] == genre;
    }
    agreement += same / 10.0;
  }
  return agreement / static_cast<double>(embeddings.vocabulary.size());
}

Result<Embeddings> TrainOn(const Corpus& corpus, const TrainOptions& options,
                           const ProgressCallback& progress = nullptr) {
  const Vocabulary vocabulary = Vocabulary::Build(corpus, options.min_count);
  return Train(vocabulary.Encode(corpus), vocabulary, options, progress, 0.05, nullptr);
}

TEST(Trainer, SkipGramRecoversPlantedGenres) {
  const SyntheticData data = SmallWorld();
  for (bool shared_negatives : {false, true}) {
    TrainOptions options = FastOptions();
    options.shared_negatives = shared_negatives;
    Result<Embeddings> embeddings = TrainOn(data.train, options);
    ASSERT_TRUE(embeddings.ok()) << embeddings.status().message();
    EXPECT_EQ(embeddings->vocabulary.size(), 120u);
    // Chance is 0.25 with four genres.
    EXPECT_GT(GenreAgreement(*embeddings, data), 0.9) << "shared negatives " << shared_negatives;
  }
}

// Every SIMD level the CPU has trains as well as the others (the kernels' own tests hold each level
// to the scalar one update by update).
TEST(Trainer, EveryLevelRecoversPlantedGenres) {
  const SyntheticData data = SmallWorld();
  for (Isa isa : SupportedIsas()) {
    TrainOptions options = FastOptions();
    options.isa = isa;
    Result<Embeddings> embeddings = TrainOn(data.train, options);
    ASSERT_TRUE(embeddings.ok()) << embeddings.status().message();
    EXPECT_GT(GenreAgreement(*embeddings, data), 0.9) << IsaName(isa);
  }
}

TEST(Trainer, CbowRecoversPlantedGenres) {
  const SyntheticData data = SmallWorld();
  TrainOptions options = FastOptions();
  options.architecture = Architecture::kCbow;
  Result<Embeddings> embeddings = TrainOn(data.train, options);
  ASSERT_TRUE(embeddings.ok());
  EXPECT_GT(GenreAgreement(*embeddings, data), 0.9);
}

TEST(Trainer, UntrainedVectorsDoNotKnowTheGenres) {
  // The control for the two tests above: one epoch at a tiny learning rate learns next to nothing.
  const SyntheticData data = SmallWorld();
  TrainOptions options = FastOptions();
  options.epochs = 1;
  options.alpha = 1e-6;
  options.min_alpha = 1e-6;
  Result<Embeddings> embeddings = TrainOn(data.train, options);
  ASSERT_TRUE(embeddings.ok());
  EXPECT_LT(GenreAgreement(*embeddings, data), 0.5);
}

TEST(Trainer, OneThreadAndASeedGiveBitIdenticalVectors) {
  const SyntheticData data = SmallWorld();
  const std::pair<Architecture, bool> variants[] = {{Architecture::kSkipGram, false},
                                                    {Architecture::kSkipGram, true},
                                                    {Architecture::kCbow, false}};
  for (const auto& [architecture, shared_negatives] : variants) {
    TrainOptions options = FastOptions();
    options.architecture = architecture;
    options.shared_negatives = shared_negatives;
    Result<Embeddings> first = TrainOn(data.train, options);
    Result<Embeddings> second = TrainOn(data.train, options);
    ASSERT_TRUE(first.ok() && second.ok());
    const size_t bytes = sizeof(float) * first->input.size();
    EXPECT_EQ(std::memcmp(first->input.data(), second->input.data(), bytes), 0);
    EXPECT_EQ(std::memcmp(first->output.data(), second->output.data(), bytes), 0);
    options.seed = 6;
    Result<Embeddings> other = TrainOn(data.train, options);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(std::memcmp(first->input.data(), other->input.data(), bytes), 0);
  }
}

TEST(Trainer, TwoThreadsLearnAsWell) {
  const SyntheticData data = SmallWorld();
  TrainOptions options = FastOptions();
  options.threads = 2;
  Result<Embeddings> embeddings = TrainOn(data.train, options);
  ASSERT_TRUE(embeddings.ok());
  EXPECT_GT(GenreAgreement(*embeddings, data), 0.9);
}

TEST(Trainer, ReportsProgressUpToTheEnd) {
  const SyntheticData data = SmallWorld();
  std::vector<TrainProgress> reports;
  TrainOptions options = FastOptions();
  Result<Embeddings> embeddings =
      TrainOn(data.train, options, [&](const TrainProgress& p) { reports.push_back(p); });
  ASSERT_TRUE(embeddings.ok());
  ASSERT_FALSE(reports.empty());
  const TrainProgress& last = reports.back();
  EXPECT_EQ(last.fraction, 1.0);
  EXPECT_EQ(last.tokens, static_cast<int64_t>(data.train.tokens.size()) * options.epochs);
  EXPECT_NEAR(last.alpha, options.min_alpha, 1e-12);
  ASSERT_TRUE(last.loss.has_value());
  EXPECT_GT(*last.loss, 0.0);
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_GE(reports[i].tokens, reports[i - 1].tokens);
}

// Regression: a report made before any example was trained gave a loss of 0, which the progress
// line printed as "loss 0.0000" (it looked like divergence). Here sub-sampling drops all but a
// handful of songs, so no playlist keeps a pair to train on: there is no loss to report.
TEST(Trainer, ReportsNoLossBeforeAnExampleIsTrained) {
  Corpus corpus;
  corpus.keys = {"a", "b"};
  for (int p = 0; p < 100; ++p) corpus.AddPlaylist(std::vector<int32_t>{0, 1});
  TrainOptions options = FastOptions();
  options.sample = 1e-9;  // keeps about 1 song in 20,000
  options.epochs = 1;
  std::vector<TrainProgress> reports;
  Result<Embeddings> embeddings =
      TrainOn(corpus, options, [&](const TrainProgress& p) { reports.push_back(p); });
  ASSERT_TRUE(embeddings.ok()) << embeddings.status().message();
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().fraction, 1.0);
  for (const TrainProgress& p : reports) EXPECT_FALSE(p.loss.has_value()) << *p.loss;
}

TEST(Trainer, RejectsBadOptionsNamingTheFlag) {
  TrainOptions options;
  options.dim = 0;
  EXPECT_EQ(options.Validate().message(), "--dim must be between 1 and 4096");
  options = TrainOptions();
  options.min_alpha = 0.5;
  EXPECT_EQ(options.Validate().message(), "--min-alpha must be between 0 and --alpha");
  options = TrainOptions();
  options.alpha = 1.5;
  EXPECT_EQ(options.Validate().message(), "--alpha must be above 0 and at most 1");
  options = TrainOptions();
  options.sample = -1;
  EXPECT_EQ(options.Validate().message(), "--sample must be at least 0 and below 1");
  EXPECT_TRUE(TrainOptions().Validate().ok());
}

// Regression: at too high a learning rate the vectors blow up and every score becomes NaN; such a
// run went on to the end and its NaN vectors were stored and served. It stops, saying where and
// what to change, at every SIMD level.
TEST(Trainer, ADivergingRunStopsNamingTheLearningRate) {
  const SyntheticData data = SmallWorld();
  for (Isa isa : SupportedIsas()) {
    for (Architecture architecture : {Architecture::kSkipGram, Architecture::kCbow}) {
      TrainOptions options = FastOptions();
      options.architecture = architecture;
      options.alpha = 1;
      options.isa = isa;
      std::vector<TrainProgress> reports;
      Result<Embeddings> embeddings =
          TrainOn(data.train, options, [&](const TrainProgress& p) { reports.push_back(p); });
      ASSERT_FALSE(embeddings.ok()) << IsaName(isa);
      EXPECT_EQ(
          embeddings.status().message(),
          "training diverged at epoch 1 (the loss is no longer finite): lower --alpha (now 1)")
          << IsaName(isa) << ", " << ArchitectureName(architecture);
      // It stopped in the first epoch instead of training the other four.
      for (const TrainProgress& p : reports) EXPECT_LT(p.fraction, 0.25) << IsaName(isa);
    }
  }
}

TEST(Trainer, RefusesACorpusWithNothingToLearn) {
  Corpus corpus;
  corpus.keys = {"a", "b"};
  corpus.AddPlaylist(std::vector<int32_t>{0, 1});
  TrainOptions options = FastOptions();
  options.min_count = 2;  // every song is dropped
  Result<Embeddings> embeddings = TrainOn(corpus, options);
  ASSERT_FALSE(embeddings.ok());
  EXPECT_NE(embeddings.status().message().find("nothing to learn from"), std::string::npos);
}

}  // namespace
}  // namespace songvec
