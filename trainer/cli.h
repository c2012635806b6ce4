#ifndef SONGVEC_TRAINER_CLI_H_
#define SONGVEC_TRAINER_CLI_H_

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/evaluation.h"
#include "core/status.h"
#include "core/trainer.h"
#include "util/flags.h"

namespace songvec {

// Shared plumbing of the songvec-train commands.

// Sends spdlog's default logger to stderr with a compact pattern.
void SetUpLogging();

// Parses `args` into `flags` and checks the `required` ones. Returns the exit status the command
// should return right away (0 after printing --help, 2 after printing a usage error), or nullopt to
// go on.
std::optional<int> ParseFlags(FlagSet& flags, const std::vector<std::string>& args,
                              std::initializer_list<const char*> required);

// Prints "songvec-train: error: <message>" on stderr and returns exit status 1.
int Fail(const Status& status);

// Prints training progress on stderr: one line rewritten in place on a terminal, a line every
// few seconds otherwise (logs, CI).
class ProgressPrinter {
 public:
  explicit ProgressPrinter(int epochs);
  void operator()(const TrainProgress& progress);

 private:
  int epochs_;
  bool terminal_;
  double last_printed_ = -1e9;
};

// {"path", "bytes", "fnv1a64"} of a file: what a model was trained or evaluated on.
Result<nlohmann::json> DescribeFile(const std::string& path);

// Every training option, as stored with a model.
nlohmann::json OptionsToJson(const TrainOptions& options);

// The report as stored in a model's metrics and printed by eval: pairs, coverage and, per ranking,
// {"hr@k", "mrr@k", "ndcg@k"} at each cut-off.
nlohmann::json ReportToJson(const EvaluationReport& report);

// A human-readable table of the report. `model_name` labels the model's row.
std::string FormatReport(const EvaluationReport& report, const std::string& model_name);

}  // namespace songvec

#endif  // SONGVEC_TRAINER_CLI_H_
