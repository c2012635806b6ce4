#include "trainer/activation.h"

namespace songvec {

const char* ActivationPolicyName(ActivationPolicy policy) {
  switch (policy) {
    case ActivationPolicy::kNever:
      return "never";
    case ActivationPolicy::kAlways:
      return "always";
    case ActivationPolicy::kIfBetter:
      return "if-better";
  }
  return "?";
}

Result<ActivationPolicy> ParseActivationPolicy(const std::string& name) {
  for (ActivationPolicy policy :
       {ActivationPolicy::kNever, ActivationPolicy::kAlways, ActivationPolicy::kIfBetter}) {
    if (name == ActivationPolicyName(policy)) return policy;
  }
  return Status::InvalidArgument("--activate must be never, always or if-better");
}

TestScore TestScore::Of(const EvaluationReport& report) {
  TestScore score;
  for (const RankingResult& ranking : report.rankings) {
    for (const RankingMetrics& metrics : ranking.all) {
      if (metrics.k != 10) continue;
      if (ranking.name == "similar") score.similar = metrics.hit_rate;
      if (ranking.name == "next") score.next = metrics.hit_rate;
    }
  }
  return score;
}

ActivationDecision Decide(const TestScore& candidate, const std::optional<TestScore>& active,
                          ActivationPolicy policy) {
  ActivationDecision decision;
  const bool next = candidate.next.has_value() && (!active || active->next.has_value());
  decision.ranking = next ? "next" : "similar";
  decision.candidate = next ? *candidate.next : candidate.similar;
  decision.activate = policy != ActivationPolicy::kNever;
  if (policy == ActivationPolicy::kIfBetter && active) {
    decision.active = next ? *active->next : active->similar;
    decision.activate = decision.candidate > *decision.active;
  }
  return decision;
}

}  // namespace songvec
