#ifndef SONGVEC_STORAGE_MODEL_STORE_H_
#define SONGVEC_STORAGE_MODEL_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/embeddings.h"
#include "core/pair_scores.h"
#include "core/recommender.h"
#include "core/sequential_rules.h"
#include "core/status.h"
#include "storage/database.h"

namespace songvec {

// What the `models` table says of one version.
struct ModelInfo {
  int64_t version = 0;          // assigned by Insert()
  std::string created_at;       // ISO 8601, UTC; assigned by Insert()
  std::string algorithm;        // "sgns-skipgram", "sgns-cbow"
  std::string hyperparameters;  // JSON object
  std::string trained_on;       // JSON object
  std::string metrics = "{}";   // JSON object
  std::string songvec_version;
  int64_t vocab_size = 0;
  int dim = 0;
  double training_seconds = 0;
  int64_t tokens = 0;
  // How its next scores are blended and continue a playlist: typed columns (migration 8), what the
  // Recommender of the model is built with (the hyperparameters hold them too, for people).
  NextScoring scoring;
  bool active = false;       // read-only: whether active_model points here
  int64_t stored_bytes = 0;  // read-only: bytes of its vectors and counts, set by Insert()
};

// Everything stored of one model version.
struct StoredModel {
  ModelInfo info;
  Embeddings embeddings;
  std::shared_ptr<const PairScores> pairs;  // blend models only, else null
  StoredSearch search;  // empty where not stored (models stored before migration 7)
};

// Versioned models in SQLite: metadata, vocabulary and both matrices, and which one is active.
// Keeps a reference to `db`, which must outlive it; the same threading rules as Database.
class ModelStore {
 public:
  explicit ModelStore(Database& db) : db_(db) {}

  // Writes a new version (metadata from `info`, vectors from `embeddings`, for a blend model its
  // sequential rules, else null, and what its searches need, Recommender::PrepareSearch() or
  // nothing) and returns its number. Run it and Activate() in one Transaction: a failure or a kill
  // before Commit leaves no trace and the active model as it was.
  Result<int64_t> Insert(const ModelInfo& info, const Embeddings& embeddings,
                         const SequentialRules* rules, const StoredSearch& search = {});

  // Makes `version` the active model. NotFound if there is no such version.
  Status Activate(int64_t version);

  // The active version, or nullopt if none was ever activated.
  Result<std::optional<int64_t>> ActiveVersion();

  // NotFound if there is no such version.
  Result<ModelInfo> Get(int64_t version);

  // The vocabulary and matrices of `version`; Corruption naming the row if a stored vector does not
  // have dim floats or rows are missing, and naming the song if a vector holds a NaN or an
  // infinity.
  Result<Embeddings> LoadEmbeddings(int64_t version);

  // Metadata, vectors, (for a blend model) its pair scores and what the searches of `version`
  // need; Corruption if a stored layout does not lay out the model's rows. (A damaged graph is the
  // Recommender's to find: it searches exactly without it.)
  Result<StoredModel> Load(int64_t version);

  // The pair scores of `version`'s count term: its SequentialRules, or for a blend model stored
  // before them its Cooccurrence; null if it is not a blend model.
  Result<std::shared_ptr<const PairScores>> LoadPairScores(int64_t version);

  // Every version, oldest first.
  Result<std::vector<ModelInfo>> List();

  // Deletes `version` and its vectors. The active model is never deleted (InvalidArgument); a
  // missing one is NotFound.
  Status Delete(int64_t version);

  // Deletes all but the newest `keep` versions, never the active one; returns the deleted versions.
  Result<std::vector<int64_t>> Prune(int64_t keep);

  // Returns the pages freed by deletions to the file system (the database uses incremental
  // auto-vacuum), so that nightly training with pruning keeps the file's size flat.
  Status ReleaseFreePages();

  // Adds one evaluation to the metrics of `version`, keeping every earlier one: appends
  // {"evaluated_at" (now, ISO 8601 UTC), "by" (the command, e.g. "eval"), "next_song":
  // `next_song_json`} to its "evaluations" array (oldest first) and makes `next_song_json` (an
  // object; its "test_file" names the file and its hash) its "next_song", the last evaluation,
  // which `models list` shows. The other keys (train --test's "activation", ...) stay. NotFound if
  // there is no such version.
  Status AddEvaluation(int64_t version, const std::string& by, const std::string& next_song_json);

 private:
  // A value of model_blobs, written in chunks; its size in bytes (nullopt if absent); read whole
  // into `into`, which must be its size (Corruption otherwise).
  Status PutBlob(int64_t version, const char* name, std::span<const std::byte> bytes);
  Result<std::optional<size_t>> BlobBytes(int64_t version, const char* name);
  Status ReadBlob(int64_t version, const char* name, std::span<std::byte> into);
  // The models WHERE `where` (with `version` bound to its one parameter, if given), by version.
  Result<std::vector<ModelInfo>> Select(const std::string& where, std::optional<int64_t> version);
  // LoadEmbeddings() and LoadPairScores() of the model `info` describes, read by the caller.
  Result<Embeddings> LoadEmbeddings(const ModelInfo& info);
  Result<std::shared_ptr<const PairScores>> LoadPairScores(const ModelInfo& info);
  // Models stored before model_blobs, a row per song.
  Result<Embeddings> LoadLegacyEmbeddings(const ModelInfo& info);
  Result<std::shared_ptr<const PairScores>> LoadCooccurrence(const ModelInfo& info);
  Result<std::shared_ptr<const PairScores>> LoadLegacyCooccurrence(const ModelInfo& info);

  Database& db_;
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_MODEL_STORE_H_
