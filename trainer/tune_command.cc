#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "core/corpus.h"
#include "core/evaluation.h"
#include "core/random.h"
#include "core/recommender.h"
#include "core/sequential_rules.h"
#include "core/text_lines.h"
#include "storage/database.h"
#include "storage/tuning_store.h"
#include "trainer/build_model.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

// Values tried for each option. The rules weight costs no training: every trained model is scored
// at each of its values.
using Space = std::map<std::string, std::vector<double>>;

Space DefaultSpace() {
  return {{"dim", {16, 32, 64, 128, 256}},   {"window", {1, 3, 5, 10, 20}},
          {"negative", {5, 10, 20, 50}},     {"ns_exponent", {-0.5, 0, 0.5, 0.75, 1}},
          {"sample", {0, 1e-5, 1e-4, 1e-3}}, {"epochs", {5, 10, 20}},
          {"alpha", {0.0125, 0.025, 0.05}},  {"rules_weight", {0, 100, 300, 1000, 3000}}};
}

// "dim=32,64;window=5,20" replaces those options' values in `space`.
Status ParseSpace(const std::string& text, Space* space) {
  for (std::string_view part : Split(text, ';')) {
    if (Trim(part).empty()) continue;
    const size_t equals = part.find('=');
    const std::string name(Trim(part.substr(0, equals)));
    if (equals == std::string_view::npos || space->count(name) == 0) {
      return Status::InvalidArgument(
          "--space: expected option=value,value,... with an option of "
          "dim, window, negative, ns_exponent, sample, epochs, alpha, "
          "rules_weight; found '" +
          std::string(part) + "'");
    }
    std::vector<double> values;
    for (std::string_view value : Split(part.substr(equals + 1), ',')) {
      char* end = nullptr;
      const std::string number(Trim(value));
      values.push_back(std::strtod(number.c_str(), &end));
      if (number.empty() || *end != '\0') {
        return Status::InvalidArgument("--space: '" + number + "' is not a number (" + name + ")");
      }
    }
    (*space)[name] = values;
  }
  return Status();
}

// The training options of every trial: all combinations (grid) or `trials` random draws.
std::vector<std::map<std::string, double>> Trials(const Space& space, bool grid, int trials,
                                                  uint64_t seed) {
  std::vector<std::string> names;
  for (const auto& [name, values] : space) {
    if (name != "rules_weight") names.push_back(name);
  }
  std::vector<std::map<std::string, double>> result;
  if (grid) {
    result.emplace_back();
    for (const std::string& name : names) {
      std::vector<std::map<std::string, double>> next;
      for (const auto& partial : result) {
        for (double value : space.at(name)) {
          next.push_back(partial);
          next.back()[name] = value;
        }
      }
      result = std::move(next);
    }
    return result;
  }
  Random rng(seed);
  for (int t = 0; t < trials; ++t) {
    std::map<std::string, double> trial;
    for (const std::string& name : names) {
      const std::vector<double>& values = space.at(name);
      trial[name] = values[rng.Uniform(static_cast<uint32_t>(values.size()))];
    }
    result.push_back(trial);
  }
  return result;
}

double HitRate(const NextSongPairs& pairs, const Ranker& ranker, int threads) {
  return Summarize(RankTargets(pairs, 10, ranker, threads), {10}).front().hit_rate;
}

}  // namespace

int RunTune(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string playlists_path, db_path, search = "random", space_text;
  FormatFlags format_flags;
  std::string out_path = "best.json";
  int trials = 20;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double validation = 0.1;
  uint64_t seed = 1;
  CLI::App app("Searches hyperparameters on a validation split; writes the best.",
               "songvec-train tune");
  ShowDefaults(app);
  app.add_option(
         "--playlists", playlists_path,
         "training playlists; the validation split is carved from them (never the test file)")
      ->required();
  app.add_option("--db", db_path, "database to record every trial in")->required();
  format_flags.AddTo(app, "the playlists' format");
  app.add_option("--search", search,
                 "random (--trials draws) or grid (every combination of --space)")
      ->check(CLI::IsMember({"random", "grid"}));
  app.add_option("--trials", trials, "random search: trainings to run")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--space", space_text,
                 "values to try, e.g. 'dim=32,64;window=5,20;rules_weight=0,10' (the rest keep "
                 "the built-in ranges: dim 16-256, window 1-20, negative 5-50, ns_exponent "
                 "-0.5-1, sample 0-1e-3, epochs 5-20, alpha 0.0125-0.05, rules_weight 0-3000)");
  app.add_option("--validation", validation,
                 "share of the playlists held out for validation (above 0, below 1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "seeds the split, the draws and every training")
      ->check(AtLeast(0));
  app.add_option("--out", out_path, "where the best options go, for train --config");
  app.add_option("--threads", threads, "threads for training and scoring")
      ->check(CLI::Range(1, 4096));
  if (auto exit = ParseOptions(app, args)) return *exit;
  if (!(validation > 0 && validation < 1)) {
    return Fail(Status::InvalidArgument("--validation must be above 0 and below 1"));
  }
  Space space = DefaultSpace();
  if (Status s = ParseSpace(space_text, &space); !s.ok()) return Fail(s);
  Result<CorpusFormat> format = format_flags.Parse();
  if (!format.ok()) return Fail(format.status());
  Result<Database> db = OpenToWrite(db_path);
  if (!db.ok()) return Fail(db.status());
  Result<Corpus> corpus = ReadCorpus(playlists_path, *format, nullptr);
  if (!corpus.ok()) return Fail(corpus.status());

  const CorpusSplit split = SplitCorpus(*corpus, validation, 0, seed);
  // Every trial is made from the same input (the defaults' min_count, and sequential rules, which
  // the rules weights are tried on): tuned options vary only what BuildModel trains.
  Result<ModelInput> input = PrepareInput(split.train, ModelOptions(), false);
  if (!input.ok()) return Fail(input.status());
  const Vocabulary& vocabulary = input->vocabulary;
  const SequentialRules& rules = *input->rules;
  // Both protocols of ../shared/EVALUATION.md: the last song alone, and the playlist so far.
  const NextSongPairs pairs = CollectPairs(split.validation, vocabulary);
  const NextSongPairs so_far = CollectPairs(split.validation, vocabulary, kDefaultContext);
  const std::vector<int64_t> counts = CountsIn(split.train, vocabulary);
  const Ranker rules_ranker = PairScoresRanker(rules, counts);
  const double rules_hr = HitRate(pairs, rules_ranker, threads);
  const double rules_so_far_hr = HitRate(so_far, rules_ranker, threads);
  spdlog::info(
      "validation: {} playlists, {} pairs scored; the sequential rules baseline's HR@10 is "
      "{:.4f}, and {:.4f} given the playlist so far (its last {} songs)",
      split.validation.num_playlists(), pairs.pairs.size(), rules_hr, rules_so_far_hr,
      kDefaultContext);

  const auto runs = Trials(space, search == "grid", trials, seed);
  TuningStore tuning(*db);
  Result<std::string> search_id = tuning.StartSearch();
  if (!search_id.ok()) return Fail(search_id.status());

  std::printf("%5s %4s %6s %8s %8s %7s %7s %7s %6s %8s %9s %8s %8s\n", "trial", "dim", "window",
              "negative", "ns_exp", "sample", "epochs", "alpha", "c", "seconds", "similar", "next",
              "so_far");
  double best_hr = -1, best_next = 0, best_so_far = 0;
  ModelOptions best;
  for (size_t t = 0; t < runs.size(); ++t) {
    ModelOptions options;
    TrainOptions& o = options.train;
    const auto& trial = runs[t];
    o.dim = static_cast<int>(trial.at("dim"));
    o.window = static_cast<int>(trial.at("window"));
    o.negative = static_cast<int>(trial.at("negative"));
    o.ns_exponent = trial.at("ns_exponent");
    o.sample = trial.at("sample");
    o.epochs = static_cast<int>(trial.at("epochs"));
    o.alpha = trial.at("alpha");
    o.min_alpha = std::min(o.min_alpha, o.alpha);
    o.threads = threads;
    o.seed = seed;
    Result<TrainedModel> trained =
        BuildModel(*input, options, {.progress = nullptr, .prepare_search = false});
    if (!trained.ok()) return Fail(trained.status().WithContext("trial " + std::to_string(t + 1)));
    const TrainSummary& summary = trained->summary;
    // One model, scored at every rules weight. Continuation is scored as ContinuationStart() has
    // it: the other continuation choices are train's, on validation playlists it holds out.
    NextScoring next = trained->scoring;
    const Recommender model = trained->recommender();
    const double similar_hr = HitRate(pairs, ModelRanker(model, Scoring::kSimilar), threads);
    // The best of both protocols' mean is the trial's.
    nlohmann::json next_by_weight = nlohmann::json::object();
    double trial_hr = -1, next_hr = 0, so_far_hr = 0;
    for (double c : space.at("rules_weight")) {
      next.rules_weight = static_cast<float>(c);
      const Recommender blend = model.WithNextScoring(next);
      const Ranker ranker = ModelRanker(blend, Scoring::kNext);
      const double one = HitRate(pairs, ranker, threads);
      const double context = HitRate(so_far, ranker, threads);
      next_by_weight[std::to_string(c)] = {one, context};
      if ((one + context) / 2 > trial_hr) {
        trial_hr = (one + context) / 2;
        next_hr = one;
        so_far_hr = context;
        options.rules_weight = c;
      }
    }
    std::printf("%5zu %4d %6d %8d %8.2f %7.0e %7d %7.4f %6.1f %8.1f %9.4f %8.4f %8.4f\n", t + 1,
                o.dim, o.window, o.negative, o.ns_exponent, o.sample, o.epochs, o.alpha,
                options.rules_weight, summary.seconds, similar_hr, next_hr, so_far_hr);
    std::fflush(stdout);
    const nlohmann::json metrics = {{"validation_pairs", pairs.pairs.size()},
                                    {"similar_hr@10", similar_hr},
                                    {"next_hr@10", next_hr},
                                    {"continuation_hr@10", so_far_hr},
                                    {"next_hr@10_by_rules_weight", next_by_weight},
                                    {"rules_baseline_hr@10", rules_hr},
                                    {"rules_baseline_continuation_hr@10", rules_so_far_hr}};
    if (Status s = tuning.RecordTrial(*search_id, static_cast<int64_t>(t + 1),
                                      ModelOptionsToJson(options, true).dump(), metrics.dump(),
                                      summary.seconds);
        !s.ok())
      return Fail(s);
    if (trial_hr > best_hr) {
      best_hr = trial_hr;
      best_next = next_hr;
      best_so_far = so_far_hr;
      best = options;
    }
  }

  std::ofstream out(out_path, std::ios::trunc);
  out << ModelOptionsToJson(best, false).dump(2) << '\n';
  out.close();
  if (!out) return Fail(Status::IoError("cannot write " + out_path));
  std::printf(
      "best next HR@10 on validation: %.4f, and %.4f given the playlist so far (sequential rules "
      "baseline %.4f, %.4f); its options are in %s: songvec-train train --config %s ...\n",
      best_next, best_so_far, rules_hr, rules_so_far_hr, out_path.c_str(), out_path.c_str());
  return 0;
}

}  // namespace songvec
