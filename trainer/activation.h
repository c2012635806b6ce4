#ifndef SONGVEC_TRAINER_ACTIVATION_H_
#define SONGVEC_TRAINER_ACTIVATION_H_

#include <optional>
#include <string>

#include "core/evaluation.h"
#include "core/status.h"

namespace songvec {

// train --activate: whether a newly trained model goes live.
enum class ActivationPolicy { kNever, kAlways, kIfBetter };

// "never", "always", "if-better" and back; InvalidArgument naming the flag otherwise.
const char* ActivationPolicyName(ActivationPolicy policy);
Result<ActivationPolicy> ParseActivationPolicy(const std::string& name);

// What Decide compares of a model: its HR@10 on the test file, one song given (the headline of
// ../shared/EVALUATION.md), for each scoring it has.
struct TestScore {
  double similar = 0;
  std::optional<double> next;  // models with output vectors only

  // From a one-song report scored at k = 10 among its cut-offs.
  static TestScore Of(const EvaluationReport& report);
};

struct ActivationDecision {
  bool activate = false;
  // The scoring compared: "next" where the candidate (and the active model, if compared) has it,
  // else "similar".
  std::string ranking;
  double candidate = 0;          // the candidate's HR@10 on `ranking`
  std::optional<double> active;  // the active model's, where it was compared
};

// kNever: not activated; kAlways: activated; kIfBetter: activated where there is no active model
// (null `active`) or the candidate's HR@10 is above the active model's, strictly (a tie keeps the
// model that serves). Reads the figures only: pure, thread-safe.
ActivationDecision Decide(const TestScore& candidate, const std::optional<TestScore>& active,
                          ActivationPolicy policy);

}  // namespace songvec

#endif  // SONGVEC_TRAINER_ACTIVATION_H_
