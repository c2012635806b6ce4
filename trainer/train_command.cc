#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <unordered_set>

#include "core/catalog.h"
#include "core/corpus.h"
#include "core/trainer.h"
#include "core/vocabulary.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

// Warns about playlist songs the catalog lacks; they are trained all the same, shown untitled.
void ReportMissingFromCatalog(const Vocabulary& vocabulary, const std::vector<Song>& catalog,
                              const std::string& catalog_path) {
  std::unordered_set<std::string> known;
  for (const Song& song : catalog) known.insert(song.id);
  size_t missing = 0;
  std::string examples;
  for (const std::string& key : vocabulary.keys()) {
    if (known.count(key) > 0) continue;
    if (++missing <= 5) examples += (examples.empty() ? "" : ", ") + key;
  }
  if (missing > 0) {
    spdlog::warn(
        "{} songs of the playlists are not in {} (e.g. {}): trained all the same, served "
        "with an empty title and artist",
        missing, catalog_path, examples);
  }
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  SetUpLogging();
  TrainOptions options;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string playlists_path, songs_path, db_path, format_name = "yes", model_name = "skipgram";
  FlagSet flags("songvec-train train --playlists FILE --songs FILE --db FILE [options]");
  flags.Add("playlists", &playlists_path, "training playlists");
  flags.Add("songs", &songs_path, "song catalog: id<TAB>title<TAB>artist per line");
  flags.Add("db", &db_path, "SQLite database to store the model in (created if missing)");
  flags.Add("format", &format_name, "data format of both files: yes or plain");
  flags.Add("model", &model_name, "skipgram or cbow (gensim's default, the book's model)");
  flags.Add("dim", &options.dim, "vector size (gensim's vector_size)");
  flags.Add("window", &options.window,
            "largest centre-context distance; each centre draws its own from 1..window");
  flags.Add("negative", &options.negative, "negative samples per positive pair");
  flags.Add("ns-exponent", &options.ns_exponent, "noise distribution: count^ns-exponent");
  flags.Add("sample", &options.sample, "sub-sampling threshold of frequent songs (0: off)");
  flags.Add("min-count", &options.min_count, "songs seen fewer times are left out");
  flags.Add("epochs", &options.epochs, "passes over the playlists");
  flags.Add("alpha", &options.alpha, "initial learning rate");
  flags.Add("min-alpha", &options.min_alpha, "final learning rate (linear decay)");
  flags.Add(
      "shared-negatives", &options.shared_negatives,
      "skip-gram: one draw of negatives per centre song, shared by its whole window (HogBatch, "
      "3-4x faster, same quality); false: fresh negatives per pair, as word2vec.c");
  flags.Add("threads", &options.threads, "worker threads");
  flags.Add("seed", &options.seed, "random seed; one thread + a seed = identical vectors");
  if (auto exit = ParseFlags(flags, args, {"playlists", "songs", "db"})) return *exit;

  Result<DataFormat> format = ParseDataFormat(format_name);
  if (!format.ok()) return Fail(format.status());
  Result<Architecture> architecture = ParseArchitecture(model_name);
  if (!architecture.ok()) return Fail(architecture.status());
  options.architecture = *architecture;
  if (Status valid = options.Validate(); !valid.ok()) return Fail(valid);

  // Open the database before the long part, so a bad path fails in a second, not after training.
  Result<Database> db = Database::Open(db_path, Database::Mode::kReadWrite);
  if (!db.ok()) return Fail(db.status());

  Result<std::vector<Song>> catalog = ReadCatalog(songs_path, *format);
  if (!catalog.ok()) return Fail(catalog.status());
  CorpusStats stats;
  Result<Corpus> corpus = ReadCorpus(playlists_path, *format, &stats);
  if (!corpus.ok()) return Fail(corpus.status());
  spdlog::info(
      "{}: {} playlists, {} songs in them ({} lines; dropped {} single-song playlists, "
      "{} empty lines)",
      playlists_path, stats.playlists, corpus->tokens.size(), stats.lines, stats.short_playlists,
      stats.empty_lines);

  const Vocabulary vocabulary = Vocabulary::Build(*corpus, options.min_count);
  const Corpus encoded = vocabulary.Encode(*corpus);
  *corpus = Corpus();  // training reads only the encoded copy: give the memory back
  spdlog::info(
      "vocabulary: {} songs appear at least {} time(s); {} playlists and {} tokens to train on",
      vocabulary.size(), options.min_count, encoded.num_playlists(), encoded.tokens.size());
  spdlog::info("{}: {} songs", songs_path, catalog->size());
  ReportMissingFromCatalog(vocabulary, *catalog, songs_path);

  spdlog::info("training {} dim={} window={} negative={} epochs={} threads={} seed={}", model_name,
               options.dim, options.window, options.negative, options.epochs, options.threads,
               options.seed);
  TrainSummary summary;
  Result<Embeddings> embeddings =
      Train(encoded, vocabulary, options, ProgressPrinter(options.epochs), 0.5, &summary);
  if (!embeddings.ok()) return Fail(embeddings.status());

  Result<nlohmann::json> playlists_file = DescribeFile(playlists_path);
  if (!playlists_file.ok()) return Fail(playlists_file.status());
  Result<nlohmann::json> songs_file = DescribeFile(songs_path);
  if (!songs_file.ok()) return Fail(songs_file.status());
  ModelInfo info;
  info.algorithm = std::string("sgns-") + ArchitectureName(options.architecture);
  info.hyperparameters = OptionsToJson(options).dump();
  info.trained_on = nlohmann::json{{"format", format_name},
                                   {"playlists_file", *playlists_file},
                                   {"songs_file", *songs_file},
                                   {"playlists", encoded.num_playlists()},
                                   {"tokens", encoded.tokens.size()}}
                        .dump();
  info.songvec_version = SONGVEC_VERSION;
  info.training_seconds = summary.seconds;
  info.tokens = summary.tokens;

  // Catalog, model and activation land together or not at all.
  Result<Transaction> transaction = Transaction::Begin(*db);
  if (!transaction.ok()) return Fail(transaction.status());
  if (Status s = CatalogStore(*db).Upsert(*catalog); !s.ok()) return Fail(s);
  ModelStore models(*db);
  Result<int64_t> version = models.Insert(info, *embeddings);
  if (!version.ok()) return Fail(version.status());
  if (Status s = models.Activate(*version); !s.ok()) return Fail(s);
  if (Status s = transaction->Commit(); !s.ok()) return Fail(s);

  std::printf("model version %lld is active in %s\n", static_cast<long long>(*version),
              db_path.c_str());
  std::printf("vocabulary %zu songs, %lld tokens in %.1f s, %.0f songs/s (%d threads)\n",
              vocabulary.size(), static_cast<long long>(summary.tokens), summary.seconds,
              summary.tokens_per_second, options.threads);
  return 0;
}

}  // namespace songvec
