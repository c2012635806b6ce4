#ifndef SONGVEC_STORAGE_MODEL_STORE_H_
#define SONGVEC_STORAGE_MODEL_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/embeddings.h"
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
  bool active = false;  // read-only: whether active_model points here
};

// Versioned models in SQLite: metadata, vocabulary and both matrices, and which one is active.
// Keeps a reference to `db`, which must outlive it; the same threading rules as Database.
class ModelStore {
 public:
  explicit ModelStore(Database& db) : db_(db) {}

  // Writes a new version (metadata from `info`, vectors from `embeddings`) and returns its number.
  // Run it and Activate() in one Transaction: a failure or a kill before Commit leaves no trace and
  // the active model as it was.
  Result<int64_t> Insert(const ModelInfo& info, const Embeddings& embeddings);

  // Makes `version` the active model. NotFound if there is no such version.
  Status Activate(int64_t version);

  // The active version, or nullopt if none was ever activated.
  Result<std::optional<int64_t>> ActiveVersion();

  // NotFound if there is no such version.
  Result<ModelInfo> Get(int64_t version);

  // The vocabulary and matrices of `version`; Corruption naming the row if a stored vector does not
  // have dim floats or rows are missing.
  Result<Embeddings> LoadEmbeddings(int64_t version);

  // Replaces the metrics JSON of `version`.
  Status SetMetrics(int64_t version, const std::string& metrics_json);

 private:
  Database& db_;
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_MODEL_STORE_H_
