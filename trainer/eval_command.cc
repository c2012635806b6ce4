#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "core/catalog.h"
#include "core/evaluation.h"
#include "core/recommender.h"
#include "core/text_lines.h"
#include "core/word2vec_format.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {

int RunEval(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string db_path, vectors_path, test_path, train_path;
  std::vector<size_t> ks = {10};
  FormatFlags format_flags;
  format_flags.name.clear();  // the model's
  std::string tags_path, tag_names_path, vectors_format = "word2vec";
  int64_t version = 0;

  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string index_name = "auto";
  std::optional<int64_t> max_pairs;  // unset: DefaultMaxPairs
  int64_t context = static_cast<int64_t>(kDefaultContext);
  CLI::App app(
      "Scores a model (or a .vec file) on next-song prediction: songvec-train eval --playlists "
      "TEST (--db FILE [--version N] | --vectors FILE.vec --train FILE) [options]",
      "songvec-train eval");
  ShowDefaults(app);
  app.add_option("--playlists", test_path, "test playlists")->required();
  app.add_option("--db", db_path, "database holding the model; its metrics are stored there");
  app.add_option("--version", version, "model version to score (0: the active one)")
      ->check(AtLeast(0));
  app.add_option("--vectors", vectors_path,
                 "score a vectors file instead (gensim, fastText .vec), by the same code");
  app.add_option("--vectors-format", vectors_format,
                 "--vectors is word2vec (text) or word2vec-binary")
      ->check(CLI::IsMember({"word2vec", "word2vec-binary"}));
  app.add_option(
      "--train", train_path,
      "training playlists, for the baselines' counts (default: the model's own training file; "
      "needed for --vectors and imported models)");
  format_flags.AddTo(app, "the playlists' format", " (default: the model's, else yes)");
  app.add_option("--k", ks, "cut-offs from 1 to 1000, comma-separated")
      ->delimiter(',')
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  app.add_option("--tags", tags_path,
                 "also measure tag agreement of the 10 nearest neighbours, with these song tags "
                 "(yes.com's tags.txt, or song_id<TAB>tag,tag lines)");
  app.add_option("--tag-names", tag_names_path, "yes.com's tag_hash.txt, for --tags");
  app.add_option("--threads", threads, "threads")->check(CLI::Range(1, 4096));
  app.add_option("--max-pairs", max_pairs,
                 "score a reproducible sample of this many test pairs (0: all; default: all up "
                 "to " +
                     std::to_string(kSampledEvaluationSongs) + " songs, else " +
                     std::to_string(kDefaultSampledPairs) + ")")
      ->check(AtLeast(0));
  app.add_option("--context", context,
                 "continuation: give each ranking the playlist's last N songs so far (the "
                 "baselines weighted 0.5^age, the model as it chose) (1: the one-song protocol "
                 "only)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  app.add_option("--index", index_name,
                 "search: auto, flat (every song scored), pruned (bounds; the same answers) or "
                 "hnsw (a graph for similar, built at load where the model stored none)")
      ->check(CLI::IsMember({"auto", "flat", "pruned", "hnsw"}));
  if (auto exit = ParseOptions(app, args)) return *exit;
  Result<IndexPolicy> index = ParseIndexPolicy(index_name);
  if (!index.ok()) return Fail(index.status().WithContext("--index"));
  if (db_path.empty() == vectors_path.empty()) {
    return Fail(Status::InvalidArgument("give exactly one of --db and --vectors"));
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());

  std::string model_name;
  StoredModel model;
  std::optional<Database> db;
  if (!vectors_path.empty()) {
    if (train_path.empty()) {
      return Fail(Status::InvalidArgument(
          "--vectors needs --train: the baselines count songs in the training playlists"));
    }
    Result<VectorFormat> vector_format = ParseVectorFormat(vectors_format);
    if (!vector_format.ok()) return Fail(vector_format.status());
    Result<KeyedVectors> keyed = ReadVectorsFile(vectors_path, *vector_format);
    if (!keyed.ok()) return Fail(keyed.status());
    // A vectors file has input vectors only: it is scored the "similar" way.
    model.embeddings = ToEmbeddings(std::move(keyed).value());
    model_name = vectors_path;
  } else {
    Result<Database> opened = OpenToWrite(db_path);
    if (!opened.ok()) return Fail(opened.status());
    db.emplace(std::move(opened).value());
    ModelStore models(*db);
    if (version == 0) {
      Result<std::optional<int64_t>> active = models.ActiveVersion();
      if (!active.ok()) return Fail(active.status());
      if (!active->has_value()) {
        return Fail(Status::NotFound(db_path + " has no active model; train one first"));
      }
      version = **active;
    }
    Result<StoredModel> loaded = models.Load(version);
    if (!loaded.ok()) return Fail(loaded.status());
    model = std::move(loaded).value();
    // Models songvec trained know their training file; imported ones need --train.
    const auto trained_on = nlohmann::json::parse(model.info.trained_on);
    if (train_path.empty() && trained_on.contains("playlists_file")) {
      train_path = trained_on["playlists_file"]["path"].get<std::string>();
    }
    if (train_path.empty()) {
      return Fail(
          Status::InvalidArgument("model " + std::to_string(version) +
                                  " was imported: give its training playlists with --train"));
    }
    if (format_flags.name.empty() && trained_on.contains("format")) {
      format_flags.name = trained_on["format"].get<std::string>();
      if (format_flags.csv_columns.empty() && trained_on.contains("csv_columns")) {
        format_flags.csv_columns = trained_on["csv_columns"].get<std::string>();
      }
    }
    model_name = "model " + std::to_string(version);
  }
  if (format_flags.name.empty()) format_flags.name = "yes";
  Result<CorpusFormat> format = format_flags.Parse();
  if (!format.ok()) return Fail(format.status());

  FileDigest test_digest;  // the test file, hashed as it is read
  Result<Corpus> test = ReadCorpus(test_path, *format, nullptr, nullptr, &test_digest);
  if (!test.ok()) return Fail(test.status());
  Result<Corpus> train = ReadCorpus(train_path, *format, nullptr);
  if (!train.ok()) {
    return Fail(train.status().WithContext("the baselines need the training playlists (--train)"));
  }
  std::optional<SongTags> tags;
  if (!tags_path.empty()) {
    Result<SongTags> read = ReadTags(tags_path, tag_names_path, format->data);
    if (!read.ok()) return Fail(read.status());
    tags = std::move(read).value();
  }
  spdlog::info("scoring {} songs on {} against baselines counted in {}",
               model.embeddings.vocabulary.size(), test_path, train_path);
  WarnIfCrowded(model.embeddings.input, model_name);
  const Vocabulary vocabulary = model.embeddings.vocabulary;
  const Recommender recommender(model.embeddings, model.info.scoring, std::move(model.pairs),
                                *index, std::move(model.search));
  const size_t pairs =
      max_pairs ? static_cast<size_t>(*max_pairs) : DefaultMaxPairs(vocabulary.size());
  nlohmann::json metrics = EvaluateAndPrint(
      vocabulary, recommender, *test, Baselines(*train, vocabulary), ks, tags ? &*tags : nullptr,
      model_name, threads, pairs, static_cast<size_t>(context));

  if (db.has_value()) {
    metrics["test_file"] = DescribeFile(test_path, test_digest);
    if (Status s = ModelStore(*db).AddEvaluation(version, "eval", metrics.dump()); !s.ok()) {
      return Fail(s);
    }
    std::printf("stored with model version %lld\n", static_cast<long long>(version));
  }
  return 0;
}

}  // namespace songvec
