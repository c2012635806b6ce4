#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/catalog.h"
#include "core/corpus.h"
#include "core/evaluation.h"
#include "core/hnsw_index.h"
#include "core/recommender.h"
#include "core/vocabulary.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/activation.h"
#include "trainer/build_model.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

// Warns about playlist songs the catalog lacks (trained all the same, shown untitled), and about
// playlists (`encoded`, by vocabulary row) that look sorted by title: their order, which training
// and the next scoring learn from, would say nothing about what plays next.
void CheckAgainstCatalog(const Vocabulary& vocabulary, const Corpus& encoded,
                         const std::vector<Song>& catalog, const std::string& catalog_path,
                         const std::string& playlists_path) {
  std::unordered_map<std::string, const Song*> song_of_id;
  for (const Song& song : catalog) song_of_id.emplace(song.id, &song);
  size_t missing = 0;
  std::string examples;
  std::vector<std::string> name_of_row;
  name_of_row.reserve(vocabulary.size());
  for (const std::string& key : vocabulary.keys()) {
    auto it = song_of_id.find(key);
    const bool named = it != song_of_id.end() && !it->second->title.empty();
    name_of_row.push_back(named ? it->second->title + '\x1f' + it->second->artist : key);
    if (it != song_of_id.end()) continue;
    if (++missing <= 5) examples += (examples.empty() ? "" : ", ") + key;
  }
  if (missing > 0) {
    spdlog::warn(
        "{} songs of the playlists are not in {} (e.g. {}): trained all the same, served "
        "with an empty title and artist",
        missing, catalog_path, examples);
  }
  const double ascending = AscendingShare(encoded, name_of_row);
  if (ascending > kSortedShare) {
    spdlog::warn(
        "{}: {:.1f}% of consecutive songs in the playlists are in ascending order of title (about "
        "50% in listening order): the playlists look sorted, and their order says little about "
        "what plays next",
        playlists_path, 100 * ascending);
  }
}

// IoError unless the folder of `path` (a database that does not exist yet) takes a new file.
Status CheckCanCreate(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  if (access(folder.c_str(), W_OK) != 0) {
    return Status::IoError("cannot create database " + path + ": " + folder + ": " +
                           std::strerror(errno));
  }
  return Status();
}

// "auto" leaves `choice` unset (chosen on validation); anything else sets it, or is
// InvalidArgument naming the flag: true or false (bool), a number (float).
template <typename T>
Status ParseChoice(const std::string& flag, const std::string& text, std::optional<T>* choice) {
  if (text == "auto") {
    choice->reset();
    return Status();
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true" || text == "false") {
      *choice = text == "true";
      return Status();
    }
    return Status::InvalidArgument("--" + flag + " expects auto, true or false, got '" + text +
                                   "'");
  } else {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') {
      return Status::InvalidArgument("--" + flag + " expects auto or a number, got '" + text + "'");
    }
    if (std::is_integral_v<T> && !(value == std::floor(value) && std::abs(value) < 1e9)) {
      return Status::InvalidArgument("--" + flag + " expects auto or a whole number, got '" + text +
                                     "'");
    }
    *choice = static_cast<T>(value);
    return Status();
  }
}

template <typename T>
std::string ChoiceText(const std::optional<T>& choice) {
  if (!choice) return "auto";
  if constexpr (std::is_same_v<T, bool>) {
    return *choice ? "true" : "false";
  } else {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", static_cast<double>(*choice));
    return text;
  }
}

// Prints the settings ChooseContinuation tried and the chosen one.
void PrintContinuationTrials(const std::vector<ContinuationTrial>& trials, size_t pairs) {
  std::printf(
      "continuation settings tried on %zu validation pairs (next HR@10 given the playlist so "
      "far):\n%-14s %-17s %-13s %-7s %-13s %-9s %-16s %7s\n",
      pairs, "rules_per_play", "rules_by_distance", "context_decay", "repeats", "repeat_weight",
      "neighbors", "neighbors_weight", "HR@10");
  for (const ContinuationTrial& trial : trials) {
    const NextScoring& s = trial.scoring;
    std::printf("%-14s %-17s %-13.2f %-7s %-13.2f %-9d %-16g %7.4f\n",
                s.rules_per_play ? "true" : "false", s.rules_by_distance ? "true" : "false",
                s.context_decay, s.repeats ? "true" : "false", s.repeat_weight, s.neighbors,
                static_cast<double>(s.neighbors_weight), trial.hit_rate);
  }
}

// The settings ChooseContinuation tried, as stored in the model's metrics.
nlohmann::json ContinuationChoiceMetrics(const std::vector<ContinuationTrial>& trials,
                                         size_t pairs) {
  nlohmann::json metrics = {{"validation_pairs", pairs}, {"trials", nlohmann::json::array()}};
  for (const ContinuationTrial& trial : trials) {
    const NextScoring& s = trial.scoring;
    metrics["trials"].push_back({{"rules_per_play", s.rules_per_play},
                                 {"rules_by_distance", s.rules_by_distance},
                                 {"context_decay", AsDecimal(s.context_decay)},
                                 {"repeats", s.repeats},
                                 {"repeat_weight", AsDecimal(s.repeat_weight)},
                                 {"neighbors", s.neighbors},
                                 {"neighbors_weight", AsDecimal(s.neighbors_weight)},
                                 {"hr@10", trial.hit_rate}});
  }
  return metrics;
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  SetUpLogging();
  ModelOptions model;
  TrainOptions& options = model.train;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // A --config file (what tune writes) sets options first; flags given beside it override them.
  std::string config_path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) config_path = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) config_path = args[i].substr(9);
  }
  if (!config_path.empty()) {
    std::ifstream file(config_path);
    const auto json = nlohmann::json::parse(file, nullptr, false);
    if (!file || json.is_discarded()) {
      return Fail(Status::InvalidArgument(config_path + " is not a readable JSON file"));
    }
    if (Status s = ModelOptionsFromJson(json, &model); !s.ok())
      return Fail(s.WithContext(config_path));
  }
  std::string playlists_path, songs_path, db_path;
  FormatFlags format_flags;
  std::string model_name = ArchitectureName(options.architecture);
  std::string tags_path, tag_names_path, test_path, activate;
  ContinuationChoices& choices = model.continuation;
  std::string rules_per_play = ChoiceText(choices.rules_per_play),
              rules_by_distance = ChoiceText(choices.rules_by_distance),
              context_decay = ChoiceText(choices.context_decay),
              repeats = ChoiceText(choices.repeats),
              repeat_weight = ChoiceText(choices.repeat_weight),
              neighbors = ChoiceText(choices.neighbors),
              neighbors_weight = ChoiceText(choices.neighbors_weight);
  double& rules_weight = model.rules_weight;
  CLI::App app("Learns song vectors from playlists; stores them as the active model.",
               "songvec-train train");
  ShowDefaults(app);
  app.add_option("--config", config_path, "options file, as tune writes it; flags beside it win");
  app.add_option("--playlists", playlists_path, "training playlists")->required();
  app.add_option(
      "--songs", songs_path,
      "song catalog: id<TAB>title<TAB>artist per line (not for --format mpd and csv: their "
      "playlists name their songs)");
  app.add_option("--db", db_path, "SQLite database to store the model in (created if missing)")
      ->required();
  format_flags.AddTo(app, "data format of the playlists and the catalog");
  app.add_option("--tags", tags_path,
                 "song tags: yes.com's tags.txt, or for --format plain song_id<TAB>tag,tag lines");
  app.add_option("--tag-names", tag_names_path,
                 "yes.com's tag_hash.txt (the names of tags.txt's ids)");
  app.add_option("--model", model_name, "skipgram or cbow (gensim's default, the book's model)")
      ->check(CLI::IsMember({"skipgram", "cbow"}));
  app.add_option("--dim", options.dim, "vector size (gensim's vector_size)");
  app.add_option("--window", options.window,
                 "largest centre-context distance; each centre draws its own from 1..window");
  app.add_option("--negative", options.negative, "negative samples per positive pair");
  app.add_option("--ns-exponent", options.ns_exponent, "noise distribution: count^ns-exponent")
      ->check(kFinite);
  app.add_option("--sample", options.sample, "sub-sampling threshold of frequent songs (0: off)")
      ->check(kFinite);
  app.add_option("--min-count", options.min_count, "songs seen fewer times are left out");
  app.add_option("--epochs", options.epochs, "passes over the playlists");
  app.add_option("--alpha", options.alpha, "initial learning rate")->check(kFinite);
  app.add_option("--min-alpha", options.min_alpha, "final learning rate (linear decay)")
      ->check(kFinite);
  app.add_flag(
      "--shared-negatives", options.shared_negatives,
      "skip-gram: one draw of negatives per centre song, shared by its whole window (HogBatch, "
      "3-4x faster, same quality); --shared-negatives=false: fresh negatives per pair, as "
      "word2vec.c (default: true)");
  app.add_option(
         "--rules-weight", rules_weight,
         "next scores blend in log(1 + the seeds' sequential rules score of each candidate, "
         "per play of the seed) at this weight; 0: pure SGNS, no counts stored")
      ->check(kFinite);
  app.add_option("--next-bias", model.next_bias,
                 "weight of log(count) in next scores (default: the --ns-exponent)")
      ->check(kFinite);
  // How next continues a playlist: "auto" chooses on a tenth of the playlists held out.
  app.add_option("--rules-per-play", rules_per_play,
                 "true: each seed's sequential rules divided by its plays; false: raw sums; auto: "
                 "chosen on validation playlists");
  app.add_option("--rules-by-distance", rules_by_distance,
                 "true: a playlist's seed d songs back counts what came d songs after it; false: "
                 "what came right after; auto: chosen on validation playlists");
  app.add_option("--context-decay", context_decay,
                 "a playlist's seed `age` songs back weighs this^age (0.01 to 1); auto: chosen on "
                 "validation playlists");
  app.add_option(
      "--repeats", repeats,
      "whether songs of the playlist may come back by default (POST /v1/recommend, eval); "
      "auto: chosen on validation playlists");
  app.add_option(
      "--repeat-weight", repeat_weight,
      "scale of the count term of the playlist's songs where they may come back (0 to 1); "
      "auto: chosen on validation playlists");
  app.add_option(
      "--neighbors", neighbors,
      "session-kNN: how many training playlists nearest the playlist so far add their "
      "songs to next's scores (0: none; up to 1000); auto: chosen on validation playlists");
  app.add_option(
      "--neighbors-weight", neighbors_weight,
      "weight of the nearest playlists' term in next scores (0 to 1000); auto: chosen on "
      "validation playlists");
  app.add_option(
      "--test", test_path,
      "test playlists: score the new model on them (and the active one, for --activate)");
  app.add_option("--activate", activate,
                 "never, always, or if-better: only if its HR@10 on --test beats the active "
                 "model's (default: if-better with --test, else always)")
      ->check(CLI::IsMember({"never", "always", "if-better"}));
  app.add_option("--threads", options.threads, "worker threads");
  app.add_option("--seed", options.seed, "random seed; one thread + a seed = identical vectors")
      ->check(AtLeast(0));
  if (auto exit = ParseOptions(app, args)) return *exit;

  Result<CorpusFormat> format = format_flags.Parse();
  if (!format.ok()) return Fail(format.status());
  const bool described = DescribesSongs(format->data);
  if (songs_path.empty() != described) {
    return Fail(Status::InvalidArgument(
        described ? "--format " + format_flags.name +
                        " playlists name their songs, so they are the catalog: leave out --songs"
                  : "--songs is required for --format " + format_flags.name));
  }
  Result<Architecture> architecture = ParseArchitecture(model_name);
  if (!architecture.ok()) return Fail(architecture.status());
  options.architecture = *architecture;

  // An existing database is opened (and migrated) before the long part, so that a bad one fails in
  // a second, not after training; a new one is created only to store the model, so that a run that
  // fails leaves none behind (whether it can be created is checked now).
  std::optional<Database> db;
  std::error_code no_file;
  if (std::filesystem::exists(db_path, no_file)) {
    Result<Database> opened = OpenToWrite(db_path);
    if (!opened.ok()) return Fail(opened.status());
    db = std::move(opened).value();
  } else if (Status s = CheckCanCreate(db_path); !s.ok()) {
    return Fail(s);
  }

  for (Status s : {ParseChoice("rules-per-play", rules_per_play, &choices.rules_per_play),
                   ParseChoice("rules-by-distance", rules_by_distance, &choices.rules_by_distance),
                   ParseChoice("context-decay", context_decay, &choices.context_decay),
                   ParseChoice("repeats", repeats, &choices.repeats),
                   ParseChoice("repeat-weight", repeat_weight, &choices.repeat_weight),
                   ParseChoice("neighbors", neighbors, &choices.neighbors),
                   ParseChoice("neighbors-weight", neighbors_weight, &choices.neighbors_weight),
                   model.Validate()}) {
    if (!s.ok()) return Fail(s);
  }
  if (activate.empty()) activate = test_path.empty() ? "always" : "if-better";
  const Result<ActivationPolicy> policy = ParseActivationPolicy(activate);
  if (!policy.ok()) return Fail(policy.status());
  if (*policy == ActivationPolicy::kIfBetter && test_path.empty()) {
    return Fail(Status::InvalidArgument("--activate=if-better needs --test"));
  }
  if (format->data == DataFormat::kYes && tags_path.empty() != tag_names_path.empty()) {
    return Fail(Status::InvalidArgument("--tags and --tag-names go together in the yes format"));
  }

  // Each step's wall time goes to the log, so a slow one shows (bench/scale.sh reads them).
  auto step_start = std::chrono::steady_clock::now();
  auto step_seconds = [&step_start] {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - step_start).count();
    step_start = now;
    return seconds;
  };
  CorpusStats stats;
  std::vector<Song> described_songs;
  // Each file is read once: its digest (what the model was trained on) is taken as it is parsed.
  FileDigest playlists_digest, songs_digest, test_digest;
  Result<Corpus> corpus =
      ReadCorpus(playlists_path, *format, &stats, &described_songs, &playlists_digest);
  if (!corpus.ok()) return Fail(corpus.status());
  Result<std::vector<Song>> catalog =
      described ? std::move(described_songs) : ReadCatalog(songs_path, *format, &songs_digest);
  if (!catalog.ok()) return Fail(catalog.status());
  if (!tags_path.empty()) {
    Result<SongTags> tags = ReadTags(tags_path, tag_names_path, format->data);
    if (!tags.ok()) return Fail(tags.status());
    size_t tagged = 0;
    for (Song& song : *catalog) {
      auto it = tags->find(song.id);
      if (it == tags->end() || it->second.empty()) continue;
      song.tags = std::move(it->second);
      ++tagged;
    }
    spdlog::info("{}: tags for {} of the catalog's {} songs", tags_path, tagged, catalog->size());
  }
  std::optional<Corpus> test;
  if (!test_path.empty()) {
    Result<Corpus> read = ReadCorpus(test_path, *format, nullptr, nullptr, &test_digest);
    if (!read.ok()) return Fail(read.status());
    test = std::move(read).value();
  }
  const std::string read_from = format->data == DataFormat::kMpd
                                    ? std::to_string(stats.files) + " slices"
                                    : std::to_string(stats.lines) + " lines";
  spdlog::info(
      "{}: {} playlists, {} songs in them ({}; dropped {} single-song playlists, {} empty ones); "
      "read with the catalog in {:.1f} s",
      playlists_path, stats.playlists, corpus->tokens.size(), read_from, stats.short_playlists,
      stats.empty_lines, step_seconds());
  if (stats.dropped_rows > 0) {
    spdlog::warn("{}: dropped {} rows without an artist or a track", playlists_path,
                 stats.dropped_rows);
  }
  if (described && stats.unnamed_songs > 0) {
    spdlog::warn("{}: {} songs have neither a track name nor an artist (listed untitled)",
                 playlists_path, stats.unnamed_songs);
  }

  Result<ModelInput> input = PrepareInput(*corpus, model, true);
  if (!input.ok()) return Fail(input.status());
  const Vocabulary& vocabulary = input->vocabulary;
  // Training reads only the encoded copy: give the memory back, unless the evaluation's baselines
  // need it.
  if (!test) *corpus = Corpus();
  spdlog::info(
      "vocabulary: {} songs appear at least {} time(s); {} playlists and {} tokens to train on "
      "({:.1f} s, sequential rules included)",
      vocabulary.size(), options.min_count, input->encoded.num_playlists(),
      input->encoded.tokens.size(), step_seconds());
  const std::string& catalog_path = described ? playlists_path : songs_path;
  spdlog::info("{}: {} songs", catalog_path, catalog->size());
  CheckAgainstCatalog(vocabulary, input->encoded, *catalog, catalog_path, playlists_path);

  spdlog::info("training {} dim={} window={} negative={} epochs={} threads={} seed={} simd={}",
               model_name, options.dim, options.window, options.negative, options.epochs,
               options.threads, options.seed, IsaName(options.isa));
  Result<TrainedModel> built = BuildModel(
      *input, model, {.progress = ProgressPrinter(options.epochs), .prepare_search = true});
  if (!built.ok()) return Fail(built.status());
  const TrainedModel& trained = *built;
  const TrainSummary& summary = trained.summary;
  const GraphRecall& recall = trained.recall;
  WarnIfCrowded(trained.embeddings.input, "the model");
  spdlog::info("prepared the model's searches in {:.1f} s", trained.search_seconds);
  if (recall.queries > 0) {
    spdlog::info(
        "similar graph (HNSW, built in {:.1f} s): recall@10 {:.4f} over {} songs drawn by their "
        "plays, {:.4f} over {} drawn uniformly",
        recall.build_seconds, recall.by_plays, recall.queries, recall.uniform, recall.queries);
    if (recall.kept) {
      spdlog::info("similar searches the graph");
    } else {
      // Vectors that crowd together (an undertrained model's tie to the fourth decimal) defeat
      // graphs.
      spdlog::warn(
          "the similar graph finds only {:.1f}% of the exact 10 nearest songs of played songs "
          "(below {:.0f}%), so similar is answered exactly (slower): the vectors crowd "
          "together, and more epochs spread them; songvec-server --index hnsw searches the "
          "stored graph instead",
          100 * recall.by_plays, 100 * kGraphMinRecall);
    }
  }

  const NextScoring& next = trained.scoring;
  const size_t choice_pairs = input->choice_pairs.pairs.size();
  input->choice_rules.reset();
  nlohmann::json choice_metrics;
  if (input->choosing && trained.continuation_trials.empty()) {
    spdlog::warn(
        "only {} validation pairs to choose how next continues a playlist on (at least {} "
        "needed): the usual settings are kept",
        choice_pairs, kFewPairs);
  } else if (input->choosing) {
    PrintContinuationTrials(trained.continuation_trials, choice_pairs);
    choice_metrics = ContinuationChoiceMetrics(trained.continuation_trials, choice_pairs);
    spdlog::info("chose the continuation settings in {:.1f} s", trained.choice_seconds);
  }
  choices = {next.rules_per_play, next.rules_by_distance, next.context_decay,   next.repeats,
             next.repeat_weight,  next.neighbors,         next.neighbors_weight};
  const std::shared_ptr<const SequentialRules>& rules = trained.rules;

  ModelInfo info;
  info.algorithm = std::string("sgns-") + ArchitectureName(options.architecture) +
                   (rules != nullptr ? "+rules" : "");
  info.hyperparameters = ModelOptionsToJson(model, true).dump();
  info.scoring = next;
  nlohmann::json trained_on = nlohmann::json{
      {"format", format_flags.name},
      {"playlists_file", DescribeFile(playlists_path, playlists_digest)},
      {"songs_file", DescribeFile(catalog_path, described ? playlists_digest : songs_digest)},
      {"playlists", input->encoded.num_playlists()},
      {"tokens", input->encoded.tokens.size()},
      {"simd", IsaName(options.isa)}};
  if (format->data == DataFormat::kCsv) {
    const CsvColumns& c = format->csv;
    trained_on["csv_columns"] = c.user + "," + c.artist + "," + c.track + "," + c.playlist;
  }
  info.trained_on = trained_on.dump();
  info.songvec_version = SONGVEC_VERSION;
  info.training_seconds = summary.seconds;
  info.tokens = summary.tokens;

  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json evaluation;  // on --test: stored as the model's first evaluation
  bool go_live = *policy != ActivationPolicy::kNever;
  std::optional<int64_t> active_version;  // the model compared against, for --activate if-better
  if (test) {
    const std::vector<size_t> ten = {10};
    const Recommender candidate = trained.recommender();
    // Both models on a sample of the same size where the catalog is large (DefaultMaxPairs).
    const size_t max_pairs = DefaultMaxPairs(vocabulary.size());
    // The baselines share the new model's sequential rules, counted once (a pure SGNS model has
    // none: they are counted for the baselines).
    EvaluationReport candidate_report;
    nlohmann::json scored = EvaluateAndPrint(
        vocabulary, candidate, *test, Baselines(*corpus, vocabulary, rules), ten, nullptr,
        "new model", options.threads, max_pairs, kDefaultContext, &candidate_report);
    std::optional<TestScore> active_score;
    std::string active_name;
    if (*policy == ActivationPolicy::kIfBetter && db) {  // a new database has no active model
      ModelStore models(*db);
      Result<std::optional<int64_t>> active = models.ActiveVersion();
      if (!active.ok()) return Fail(active.status());
      if (active->has_value()) {
        active_version = **active;
        Result<StoredModel> current = models.Load(**active);
        if (!current.ok()) return Fail(current.status());
        const Vocabulary current_vocabulary = current->embeddings.vocabulary;
        const Recommender current_recommender(current->embeddings, current->info.scoring,
                                              std::move(current->pairs), IndexPolicy::kAuto,
                                              std::move(current->search));
        active_name = "active model " + std::to_string(**active);
        EvaluationReport current_report;
        EvaluateAndPrint(current_vocabulary, current_recommender, *test,
                         Baselines(*corpus, current_vocabulary), ten, nullptr, active_name,
                         options.threads, max_pairs, kDefaultContext, &current_report);
        active_score = TestScore::Of(current_report);
      }
    }
    // The product's headline: next-song HR@10, the "next" way where both models have it.
    const ActivationDecision decided =
        Decide(TestScore::Of(candidate_report), active_score, *policy);
    go_live = decided.activate;
    nlohmann::json decision = {{"policy", ActivationPolicyName(*policy)}};
    if (decided.active) {
      decision["active_version"] = *active_version;
      decision["active"] = *decided.active;
      std::printf("HR@10 (%s) on %s: new model %.4f, %s %.4f: %s\n", decided.ranking.c_str(),
                  test_path.c_str(), decided.candidate, active_name.c_str(), *decided.active,
                  go_live ? "the new model goes live" : "the active model stays");
    }
    decision["ranking"] = decided.ranking;
    decision["new"] = decided.candidate;
    decision["activated"] = go_live;
    scored["test_file"] = DescribeFile(test_path, test_digest);
    metrics = {{"activation", decision}};
    evaluation = std::move(scored);
  }
  if (!choice_metrics.is_null()) metrics["continuation_choice"] = choice_metrics;
  if (recall.queries > 0) {
    const HnswIndex::Options graph;
    metrics["search"] = {{"similar",
                          {{"index", recall.kept ? "hnsw" : "exact"},
                           {"links", graph.links},
                           {"build_candidates", graph.build_candidates},
                           {"search_candidates", graph.search_candidates},
                           {"recall@10_by_plays", recall.by_plays},
                           {"recall@10_uniform", recall.uniform},
                           {"queries", recall.queries},
                           {"build_seconds", recall.build_seconds}}}};
  }
  info.metrics = metrics.dump();

  // Catalog, model and activation land together or not at all.
  step_seconds();
  if (!db) {
    Result<Database> created = OpenToWrite(db_path);
    if (!created.ok()) return Fail(created.status());
    db = std::move(created).value();
  }
  Result<Transaction> transaction = Transaction::Begin(*db);
  if (!transaction.ok()) return Fail(transaction.status());
  // Another trainer or `models activate` may have changed the active model since this run compared
  // against it; the write lock now held keeps it as it is until the commit, so look again.
  if (go_live && *policy == ActivationPolicy::kIfBetter) {
    Result<std::optional<int64_t>> now = ModelStore(*db).ActiveVersion();
    if (!now.ok()) return Fail(now.status());
    if (*now != active_version) {
      go_live = false;
      auto name = [](const std::optional<int64_t>& v) {
        return v ? "model " + std::to_string(*v) : std::string("none");
      };
      spdlog::warn(
          "the active model changed from {} to {} while this run compared against it: the new "
          "model is stored, not active (compare them with eval, then models activate)",
          name(active_version), name(*now));
      metrics["activation"]["activated"] = false;
      metrics["activation"]["active_changed_to"] =
          *now ? nlohmann::json(**now) : nlohmann::json(nullptr);
      info.metrics = metrics.dump();
    }
  }
  if (Status s = CatalogStore(*db).Upsert(
          *catalog, tags_path.empty() ? CatalogStore::Tags::kKeep : CatalogStore::Tags::kReplace);
      !s.ok())
    return Fail(s);
  const double catalog_seconds = step_seconds();
  ModelStore models(*db);
  Result<int64_t> version = models.Insert(info, trained.embeddings, rules.get(), trained.search);
  if (!version.ok()) return Fail(version.status());
  if (!evaluation.is_null()) {
    if (Status s = models.AddEvaluation(*version, "train --test", evaluation.dump()); !s.ok())
      return Fail(s);
  }
  if (go_live) {
    if (Status s = models.Activate(*version); !s.ok()) return Fail(s);
  }
  if (Status s = transaction->Commit(); !s.ok()) return Fail(s);
  spdlog::info("stored the catalog ({} songs) in {:.1f} s and model {} in {:.1f} s",
               catalog->size(), catalog_seconds, *version, step_seconds());

  std::printf("model version %lld is %s in %s\n", static_cast<long long>(*version),
              go_live ? "active" : "stored, not active,", db_path.c_str());
  std::printf("vocabulary %zu songs, %lld tokens in %.1f s, %.0f songs/s (%d threads, %s)\n",
              vocabulary.size(), static_cast<long long>(summary.tokens), summary.seconds,
              summary.tokens_per_second, options.threads, IsaName(options.isa));
  return 0;
}

}  // namespace songvec
