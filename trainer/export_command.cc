#include <cstdio>
#include <fstream>

#include "core/word2vec_format.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {

int RunExport(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string db_path, out_path, format = "word2vec", matrix = "input";
  int64_t version = 0;
  CLI::App app("Writes a model's vectors in word2vec text or binary format.",
               "songvec-train export");
  ShowDefaults(app);
  app.add_option("--db", db_path, "database holding the model")->required();
  app.add_option("--out", out_path, "file to write")->required();
  app.add_option("--format", format,
                 "word2vec (text) or word2vec-binary, as gensim's save_word2vec_format writes them")
      ->check(CLI::IsMember({"word2vec", "word2vec-binary"}));
  app.add_option("--version", version, "model version (0: the active one)")->check(AtLeast(0));
  app.add_option("--matrix", matrix, "input (the song vectors) or output (their context vectors)")
      ->check(CLI::IsMember({"input", "output"}));
  if (auto exit = ParseOptions(app, args)) return *exit;
  Result<VectorFormat> vector_format = ParseVectorFormat(format);
  if (!vector_format.ok()) return Fail(vector_format.status());
  if (matrix != "input" && matrix != "output") {
    return Fail(Status::InvalidArgument("--matrix must be input or output"));
  }
  Result<Database> db = Database::Open(db_path, Database::Mode::kReadOnly);
  if (!db.ok()) return Fail(db.status());
  ModelStore models(*db);
  if (version == 0) {
    Result<std::optional<int64_t>> active = models.ActiveVersion();
    if (!active.ok()) return Fail(active.status());
    if (!active->has_value()) return Fail(Status::NotFound(db_path + " has no active model"));
    version = **active;
  }
  Result<Embeddings> embeddings = models.LoadEmbeddings(version);
  if (!embeddings.ok()) return Fail(embeddings.status());

  // Write beside the target and rename, so a failed export never leaves half a file at `out`.
  const std::string partial = out_path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) return Fail(Status::IoError("cannot write " + partial));
  const Matrix& vectors = matrix == "input" ? embeddings->input : embeddings->output;
  if (vectors.cols() == 0) {
    return Fail(Status::InvalidArgument("model " + std::to_string(version) +
                                        " has no output vectors (it was imported)"));
  }
  Status written = *vector_format == VectorFormat::kText
                       ? WriteWord2VecText(out, embeddings->vocabulary.keys(), vectors)
                       : WriteWord2VecBinary(out, embeddings->vocabulary.keys(), vectors);
  out.close();
  if (!written.ok() || !out || std::rename(partial.c_str(), out_path.c_str()) != 0) {
    std::remove(partial.c_str());
    return Fail(Status::IoError("writing " + out_path + " failed"));
  }
  std::printf("wrote %zu %s vectors of model %lld (dim %d) to %s\n", embeddings->vocabulary.size(),
              matrix.c_str(), static_cast<long long>(version), embeddings->dim(), out_path.c_str());
  return 0;
}

}  // namespace songvec
