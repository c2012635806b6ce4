#ifndef SONGVEC_TRAINER_CLI_H_
#define SONGVEC_TRAINER_CLI_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/evaluation.h"
#include "core/recommender.h"
#include "core/scoring_choice.h"
#include "core/status.h"
#include "core/trainer.h"
#include "storage/database.h"
#include "trainer/build_model.h"
#include "util/command_line.h"

namespace songvec {

// Shared plumbing of the songvec-train commands.

// Sends spdlog's default logger to stderr with a compact pattern.
void SetUpLogging();

// Parses `args` (after the command's name) into `app`, a CLI::App named "songvec-train <command>"
// that shows its defaults (ShowDefaults). Returns the exit status the command should
// return right away (0 after printing --help, 2 after printing a usage error: one line naming the
// option and the value), or nullopt to go on.
std::optional<int> ParseOptions(CLI::App& app, const std::vector<std::string>& args);

// Prints "songvec-train: error: <message>" on stderr and returns exit status 1.
int Fail(const Status& status);

// Opens (creating and migrating) the database a command writes to. A write that finds another
// process writing waits its turn (storage/database.h) and says so on stderr.
Result<Database> OpenToWrite(const std::string& path);

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

// {"path", "bytes", "fnv1a64"} of a file, or of a folder's MPD slices in order (with "files"): what
// a model was trained or evaluated on. The first from the digest its reader took as it read it
// (ReadCorpus, ReadCatalog); the second reads the file for it.
nlohmann::json DescribeFile(const std::string& path, const FileDigest& digest);
Result<nlohmann::json> DescribeFile(const std::string& path);

// The --format and --csv-columns flags of the commands that read playlists or catalogs.
struct FormatFlags {
  std::string name = "yes";
  std::string csv_columns;  // empty: CsvColumns' defaults

  // Adds both; `format_help` says what --format applies to, `default_note` where its default is
  // not `name`'s.
  void AddTo(CLI::App& app, const std::string& format_help, const std::string& default_note = "");
  // InvalidArgument naming the flag if either is wrong.
  Result<CorpusFormat> Parse() const;
};

// `x` as the decimal it was written as, for JSON (0.85, not 0.8500000238418579).
double AsDecimal(float x);

// The options as stored with a model (its hyperparameters) and as a --config file: {"model", "dim",
// "window", "negative", "ns_exponent", "sample", "min_count", "epochs", "alpha", "min_alpha",
// "shared_negatives", "seed", "rules_weight", "next_bias"}, the continuation choices that are set
// ("rules_per_play", "rules_by_distance", "context_decay", "repeats", "repeat_weight",
// "neighbors", "neighbors_weight"), plus
// "threads" when `with_threads` (stored models say how they were trained; a config file leaves it
// to the machine).
nlohmann::json ModelOptionsToJson(const ModelOptions& options, bool with_threads);

// Sets the options `json` names (any subset of the keys above but threads). An unknown key or a
// value of the wrong type is InvalidArgument naming it.
Status ModelOptionsFromJson(const nlohmann::json& json, ModelOptions* options);

// Warns when `input`'s vectors point nearly one way (RandomPairCosine above kCrowdedCosine): a
// model that learned little, whatever its figures say.
void WarnIfCrowded(const Matrix& input, const std::string& model_name);

// Scores `recommender` (rows of `vocabulary`) on next-song prediction in `test` beside
// `baselines` (counted in the training playlists with `vocabulary`), at the cut-offs `ks`, and
// with `tags` (may be null) its tag agreement; prints the table, rows labelled with `model_name`,
// on `max_pairs` of the pairs (0: all; the sample is said), each model ranking's paired comparison
// with each baseline, and warns where the figures cannot mean much (EvaluationWarnings); then, for
// `context` above 1, the same for continuation (each ranking given the playlist's last `context`
// songs), under a line that starts with "continuation". Returns the metrics as stored with a
// model: {"pairs", "pairs_in_vocabulary", "scored_pairs", "coverage", "pairs_by_target_segment",
// "rankings": {name: {"hr@k", "hr@k_error", "mrr@k", "ndcg@k", "segments"}}, "paired":
// [{"model", "baseline", "k", "difference", "standard_error", "only_model", "only_baseline"}],
// "continuation": {the same keys, and "context"}, "tag_agreement"}; and into `one_song` (unless
// null) the one-song report.
nlohmann::json EvaluateAndPrint(const Vocabulary& vocabulary, const Recommender& recommender,
                                const Corpus& test, const Baselines& baselines,
                                const std::vector<size_t>& ks, const SongTags* tags,
                                const std::string& model_name, int threads, size_t max_pairs,
                                size_t context = kDefaultContext,
                                EvaluationReport* one_song = nullptr);

}  // namespace songvec

#endif  // SONGVEC_TRAINER_CLI_H_
