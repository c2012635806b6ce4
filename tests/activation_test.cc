#include "trainer/activation.h"

#include <gtest/gtest.h>

namespace songvec {
namespace {

TestScore Score(double similar, std::optional<double> next) { return {similar, next}; }

TEST(Decide, IfBetterActivatesOnlyAModelAboveTheActiveOnNext) {
  const TestScore candidate = Score(0.10, 0.30);
  ActivationDecision d = Decide(candidate, Score(0.20, 0.25), ActivationPolicy::kIfBetter);
  EXPECT_TRUE(d.activate);
  EXPECT_EQ(d.ranking, "next");
  EXPECT_EQ(d.candidate, 0.30);
  EXPECT_EQ(d.active, 0.25);
  d = Decide(candidate, Score(0.05, 0.35), ActivationPolicy::kIfBetter);
  EXPECT_FALSE(d.activate);
  // A tie keeps the model that serves.
  EXPECT_FALSE(Decide(candidate, Score(0.05, 0.30), ActivationPolicy::kIfBetter).activate);
}

TEST(Decide, ComparesSimilarWhereEitherModelHasNoNext) {
  // An imported active model has no output vectors: both are compared the similar way.
  ActivationDecision d =
      Decide(Score(0.10, 0.30), Score(0.20, std::nullopt), ActivationPolicy::kIfBetter);
  EXPECT_EQ(d.ranking, "similar");
  EXPECT_EQ(d.candidate, 0.10);
  EXPECT_EQ(d.active, 0.20);
  EXPECT_FALSE(d.activate);
  d = Decide(Score(0.10, std::nullopt), Score(0.05, 0.5), ActivationPolicy::kIfBetter);
  EXPECT_EQ(d.ranking, "similar");
  EXPECT_TRUE(d.activate);
}

TEST(Decide, WithoutAnActiveModelOrAComparisonThePolicySays) {
  const TestScore candidate = Score(0.10, 0.30);
  ActivationDecision d = Decide(candidate, std::nullopt, ActivationPolicy::kIfBetter);
  EXPECT_TRUE(d.activate);
  EXPECT_EQ(d.ranking, "next");
  EXPECT_FALSE(d.active.has_value());
  EXPECT_TRUE(Decide(candidate, std::nullopt, ActivationPolicy::kAlways).activate);
  EXPECT_FALSE(Decide(candidate, std::nullopt, ActivationPolicy::kNever).activate);
  // Never and always compare nothing, whatever the figures.
  d = Decide(candidate, Score(0.9, 0.9), ActivationPolicy::kAlways);
  EXPECT_TRUE(d.activate);
  EXPECT_FALSE(d.active.has_value());
  EXPECT_FALSE(Decide(Score(0.9, 0.9), Score(0, 0), ActivationPolicy::kNever).activate);
}

TEST(ActivationPolicy, NamesRoundTripAndAnUnknownOneSaysTheChoices) {
  for (ActivationPolicy policy :
       {ActivationPolicy::kNever, ActivationPolicy::kAlways, ActivationPolicy::kIfBetter}) {
    EXPECT_EQ(*ParseActivationPolicy(ActivationPolicyName(policy)), policy);
  }
  const Result<ActivationPolicy> bad = ParseActivationPolicy("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--activate must be never, always or if-better");
}

TEST(TestScore, TakesHitRateAtTenOfEachScoring) {
  EvaluationReport report;
  report.rankings.push_back({"similar", {{5, 0.01}, {10, 0.02}}, {}, {}});
  report.rankings.push_back({"next", {{10, 0.04}, {20, 0.08}}, {}, {}});
  report.rankings.push_back({"popularity", {{10, 0.5}}, {}, {}});
  const TestScore score = TestScore::Of(report);
  EXPECT_EQ(score.similar, 0.02);
  EXPECT_EQ(score.next, 0.04);
  report.rankings.erase(report.rankings.begin() + 1);
  EXPECT_FALSE(TestScore::Of(report).next.has_value());
}

}  // namespace
}  // namespace songvec
