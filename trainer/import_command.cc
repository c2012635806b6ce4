#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "core/catalog.h"
#include "core/word2vec_format.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {

int RunImport(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string db_path, vectors_path, vectors_format = "word2vec", songs_path;
  FormatFlags format_flags;
  bool activate = false;
  CLI::App app("Stores vectors trained elsewhere as a model version.", "songvec-train import");
  ShowDefaults(app);
  app.add_option("--db", db_path, "database to add the model to (created if missing)")->required();
  app.add_option(
         "--vectors", vectors_path,
         "song vectors trained elsewhere (gensim, fastText .vec, Spark's Word2Vec written out)")
      ->required();
  app.add_option("--vectors-format", vectors_format, "word2vec (text) or word2vec-binary")
      ->check(CLI::IsMember({"word2vec", "word2vec-binary"}));
  app.add_option("--songs", songs_path, "a catalog to add or update with it");
  format_flags.AddTo(app, "the catalog's format (mpd, csv: the songs of those playlists)");
  app.add_flag("--activate", activate, "make it the active model (default: false)");
  if (auto exit = ParseOptions(app, args)) return *exit;
  Result<VectorFormat> format = ParseVectorFormat(vectors_format);
  if (!format.ok()) return Fail(format.status());
  Result<CorpusFormat> catalog_format = format_flags.Parse();
  if (!catalog_format.ok()) return Fail(catalog_format.status());

  // Everything is read and checked before the database is touched.
  Result<KeyedVectors> vectors = ReadVectorsFile(vectors_path, *format);
  if (!vectors.ok()) return Fail(vectors.status());
  std::vector<Song> catalog;
  if (!songs_path.empty()) {
    Result<std::vector<Song>> read = ReadCatalog(songs_path, *catalog_format);
    if (!read.ok()) return Fail(read.status());
    catalog = std::move(read).value();
  }
  Result<nlohmann::json> file = DescribeFile(vectors_path);
  if (!file.ok()) return Fail(file.status());
  // Counts are unknown: the model scores "similar" only (it has no output vectors either).
  const Embeddings embeddings = ToEmbeddings(std::move(vectors).value());
  const auto rows = embeddings.input.rows();
  ModelInfo info;
  info.algorithm = "imported";
  info.hyperparameters = "{}";
  info.trained_on =
      nlohmann::json{{"vectors_file", *file}, {"vectors_format", vectors_format}}.dump();
  info.songvec_version = SONGVEC_VERSION;

  Result<Database> db = OpenToWrite(db_path);
  if (!db.ok()) return Fail(db.status());
  Result<Transaction> transaction = Transaction::Begin(*db);
  if (!transaction.ok()) return Fail(transaction.status());
  if (Status s = CatalogStore(*db).Upsert(catalog, CatalogStore::Tags::kKeep); !s.ok())
    return Fail(s);
  ModelStore models(*db);
  Result<int64_t> version = models.Insert(
      info, embeddings, nullptr,
      Recommender::PrepareSearch(
          embeddings, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
          nullptr));
  if (!version.ok()) return Fail(version.status());
  if (activate) {
    if (Status s = models.Activate(*version); !s.ok()) return Fail(s);
  }
  if (Status s = transaction->Commit(); !s.ok()) return Fail(s);
  std::printf("imported %" PRId64 " vectors of dim %d from %s as model version %" PRId64 "%s\n",
              static_cast<int64_t>(rows), embeddings.dim(), vectors_path.c_str(), *version,
              activate ? ", now active" : "");
  return 0;
}

}  // namespace songvec
