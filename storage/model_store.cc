#include "storage/model_store.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <numeric>

namespace songvec {
namespace {

// Vectors are stored as little-endian float32 (migrations/0001_init.sql); on such a host that is
// the in-memory layout, so rows are copied as they are.
static_assert(std::endian::native == std::endian::little,
              "songvec stores little-endian float32 vectors; add byte swapping for this host");

std::span<const std::byte> RowBytes(const Matrix& matrix, Eigen::Index row) {
  return {reinterpret_cast<const std::byte*>(matrix.data() + row * matrix.cols()),
          static_cast<size_t>(matrix.cols()) * sizeof(float)};
}

Status NotFoundVersion(int64_t version) {
  return Status::NotFound("there is no model version " + std::to_string(version));
}

}  // namespace

namespace {

// A number from the hyperparameters JSON, or `fallback`.
float Hyperparameter(const ModelInfo& info, const char* name, float fallback) {
  const auto hyperparameters = nlohmann::json::parse(info.hyperparameters, nullptr, false);
  if (!hyperparameters.is_object() || !hyperparameters.contains(name) ||
      !hyperparameters[name].is_number()) {
    return fallback;
  }
  return hyperparameters[name].get<float>();
}

}  // namespace

float NextBiasWeight(const ModelInfo& info) {
  return Hyperparameter(info, "next_bias", Hyperparameter(info, "ns_exponent", 0.0f));
}

float CooccurrenceWeight(const ModelInfo& info) {
  return Hyperparameter(info, "cooccurrence_weight", 0.0f);
}

Recommender MakeRecommender(StoredModel&& model, IndexPolicy policy) {
  return Recommender(model.embeddings, NextBiasWeight(model.info), std::move(model.cooccurrence),
                     CooccurrenceWeight(model.info), policy);
}

Result<StoredModel> ModelStore::Load(int64_t version) {
  StoredModel model;
  SONGVEC_ASSIGN_OR_RETURN(model.info, Get(version));
  SONGVEC_ASSIGN_OR_RETURN(model.embeddings, LoadEmbeddings(version));
  SONGVEC_ASSIGN_OR_RETURN(model.cooccurrence, LoadCooccurrence(version));
  return model;
}

Result<int64_t> ModelStore::Insert(const ModelInfo& info, const Embeddings& embeddings,
                                   const Cooccurrence* cooccurrence) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO models (algorithm, hyperparameters, trained_on, vocab_size, dim, "
                  "training_seconds, tokens, metrics, songvec_version) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SONGVEC_RETURN_IF_ERROR(insert.Bind(1, info.algorithm)
                              .Bind(2, info.hyperparameters)
                              .Bind(3, info.trained_on)
                              .Bind(4, static_cast<int64_t>(embeddings.vocabulary.size()))
                              .Bind(5, int64_t{embeddings.dim()})
                              .Bind(6, info.training_seconds)
                              .Bind(7, info.tokens)
                              .Bind(8, info.metrics)
                              .Bind(9, info.songvec_version)
                              .Run());
  const int64_t version = db_.LastInsertRowId();
  SONGVEC_ASSIGN_OR_RETURN(
      Statement vectors,
      db_.Prepare("INSERT INTO model_vectors (model_version, row, song_id, count, input, output) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
  const Vocabulary& vocabulary = embeddings.vocabulary;
  // An imported model has no output vectors: its rows store empty ones (not NULL).
  static const std::byte kNothing{};
  const bool has_output = embeddings.output.cols() > 0;
  int64_t stored_bytes = static_cast<int64_t>(vocabulary.size()) * embeddings.dim() *
                         static_cast<int64_t>(sizeof(float)) * (has_output ? 2 : 1);
  for (size_t row = 0; row < vocabulary.size(); ++row) {
    const auto r = static_cast<Eigen::Index>(row);
    SONGVEC_RETURN_IF_ERROR(vectors.Bind(1, version)
                                .Bind(2, static_cast<int64_t>(row))
                                .Bind(3, vocabulary.key(row))
                                .Bind(4, vocabulary.count(row))
                                .BindBlob(5, RowBytes(embeddings.input, r))
                                .BindBlob(6, has_output ? RowBytes(embeddings.output, r)
                                                        : std::span<const std::byte>(&kNothing, 0))
                                .Run());
    vectors.Reset();
  }
  if (cooccurrence != nullptr) {
    SONGVEC_ASSIGN_OR_RETURN(
        Statement neighbors,
        db_.Prepare(
            "INSERT INTO model_cooccurrence (model_version, row, neighbors) VALUES (?, ?, ?)"));
    for (size_t row = 0; row < cooccurrence->rows(); ++row) {
      const auto entries = cooccurrence->neighbors(static_cast<int32_t>(row));
      if (entries.empty()) continue;
      // (int32 row, int32 count) pairs are stored as they lie in memory: little-endian.
      static_assert(sizeof(entries[0]) == 8);
      SONGVEC_RETURN_IF_ERROR(neighbors.Bind(1, version)
                                  .Bind(2, static_cast<int64_t>(row))
                                  .BindBlob(3, {reinterpret_cast<const std::byte*>(entries.data()),
                                                entries.size_bytes()})
                                  .Run());
      neighbors.Reset();
      stored_bytes += static_cast<int64_t>(entries.size_bytes());
    }
  }
  SONGVEC_ASSIGN_OR_RETURN(Statement size,
                           db_.Prepare("UPDATE models SET stored_bytes = ? WHERE version = ?"));
  SONGVEC_RETURN_IF_ERROR(size.Bind(1, stored_bytes).Bind(2, version).Run());
  return version;
}

Result<std::optional<Cooccurrence>> ModelStore::LoadCooccurrence(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare(
          "SELECT row, neighbors FROM model_cooccurrence WHERE model_version = ? ORDER BY row"));
  select.Bind(1, version);
  std::vector<size_t> starts(static_cast<size_t>(info.vocab_size) + 1, 0);
  std::vector<std::pair<int32_t, int32_t>> entries;
  bool any = false;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    any = true;
    const int64_t row = select.ColumnInt(0);
    std::span<const std::byte> blob = select.ColumnBlob(1);
    if (row < 0 || row >= info.vocab_size || blob.size() % 8 != 0) {
      return Status::Corruption(db_.path() + ": model " + std::to_string(version) +
                                ": bad co-occurrence entry for row " + std::to_string(row));
    }
    const size_t count = blob.size() / 8;
    const size_t first = entries.size();
    entries.resize(first + count);
    std::memcpy(static_cast<void*>(entries.data() + first), blob.data(), blob.size());
    for (size_t i = first; i < entries.size(); ++i) {
      if (entries[i].first < 0 || entries[i].first >= info.vocab_size) {
        return Status::Corruption(db_.path() + ": model " + std::to_string(version) +
                                  ": co-occurrence of row " + std::to_string(row) + " names row " +
                                  std::to_string(entries[i].first));
      }
    }
    starts[static_cast<size_t>(row) + 1] = count;
  }
  if (!any) return std::optional<Cooccurrence>();
  std::partial_sum(starts.begin(), starts.end(), starts.begin());
  return std::optional<Cooccurrence>(Cooccurrence(std::move(starts), std::move(entries)));
}

Status ModelStore::Activate(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  SONGVEC_ASSIGN_OR_RETURN(
      Statement activate,
      db_.Prepare("INSERT INTO active_model (singleton, model_version) VALUES (1, ?) "
                  "ON CONFLICT (singleton) DO UPDATE SET model_version = excluded.model_version"));
  return activate.Bind(1, info.version).Run();
}

Result<std::optional<int64_t>> ModelStore::ActiveVersion() {
  SONGVEC_ASSIGN_OR_RETURN(Statement select, db_.Prepare("SELECT model_version FROM active_model"));
  SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(select.ColumnInt(0));
}

Result<ModelInfo> ModelStore::Get(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare("SELECT version, created_at, algorithm, hyperparameters, trained_on, metrics, "
                  "songvec_version, vocab_size, dim, training_seconds, tokens, "
                  "version = (SELECT model_version FROM active_model), stored_bytes "
                  "FROM models WHERE version = ?"));
  select.Bind(1, version);
  SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return NotFoundVersion(version);
  ModelInfo info;
  info.version = select.ColumnInt(0);
  info.created_at = select.ColumnText(1);
  info.algorithm = select.ColumnText(2);
  info.hyperparameters = select.ColumnText(3);
  info.trained_on = select.ColumnText(4);
  info.metrics = select.ColumnText(5);
  info.songvec_version = select.ColumnText(6);
  info.vocab_size = select.ColumnInt(7);
  info.dim = static_cast<int>(select.ColumnInt(8));
  info.training_seconds = select.ColumnDouble(9);
  info.tokens = select.ColumnInt(10);
  info.active = select.ColumnInt(11) == 1;
  info.stored_bytes = select.ColumnInt(12);
  return info;
}

Result<Embeddings> ModelStore::LoadEmbeddings(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  const auto rows = static_cast<Eigen::Index>(info.vocab_size);
  Embeddings embeddings{Vocabulary(), Matrix(rows, info.dim), Matrix(rows, info.dim)};
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  keys.reserve(info.vocab_size);
  counts.reserve(info.vocab_size);
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select, db_.Prepare("SELECT row, song_id, count, input, output FROM model_vectors "
                                    "WHERE model_version = ? ORDER BY row"));
  select.Bind(1, version);
  const size_t row_bytes = static_cast<size_t>(info.dim) * sizeof(float);
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": " + what);
  };
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    const auto row = static_cast<Eigen::Index>(keys.size());
    if (select.ColumnInt(0) != row || row >= rows) {
      return corrupt("expected row " + std::to_string(row) + " of " + std::to_string(rows) +
                     ", found row " + std::to_string(select.ColumnInt(0)));
    }
    // An imported model stores empty output vectors, all of them.
    if (row == 0 && select.ColumnBlob(4).empty()) embeddings.output = Matrix();
    for (int column : {3, 4}) {
      std::span<const std::byte> blob = select.ColumnBlob(column);
      if (column == 4 && embeddings.output.cols() == 0 && blob.empty()) continue;
      if (blob.size() != row_bytes) {
        return corrupt("row " + std::to_string(row) + " has a " + std::to_string(blob.size()) +
                       "-byte vector, expected " + std::to_string(row_bytes));
      }
      Matrix& matrix = column == 3 ? embeddings.input : embeddings.output;
      std::memcpy(matrix.data() + row * info.dim, blob.data(), row_bytes);
    }
    keys.push_back(select.ColumnText(1));
    counts.push_back(select.ColumnInt(2));
  }
  if (static_cast<Eigen::Index>(keys.size()) != rows) {
    return corrupt("has " + std::to_string(keys.size()) + " rows, expected " +
                   std::to_string(rows));
  }
  embeddings.vocabulary = Vocabulary(std::move(keys), std::move(counts));
  return embeddings;
}

Result<std::vector<ModelInfo>> ModelStore::List() {
  SONGVEC_ASSIGN_OR_RETURN(Statement select,
                           db_.Prepare("SELECT version FROM models ORDER BY version"));
  std::vector<int64_t> versions;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    versions.push_back(select.ColumnInt(0));
  }
  std::vector<ModelInfo> models;
  for (int64_t version : versions) {
    SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
    models.push_back(std::move(info));
  }
  return models;
}

Status ModelStore::Delete(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  if (info.active) {
    return Status::InvalidArgument("model " + std::to_string(version) +
                                   " is the active one; activate another before deleting it");
  }
  // Vectors and counts go with it (ON DELETE CASCADE).
  SONGVEC_ASSIGN_OR_RETURN(Statement remove, db_.Prepare("DELETE FROM models WHERE version = ?"));
  return remove.Bind(1, version).Run();
}

Result<std::vector<int64_t>> ModelStore::Prune(int64_t keep) {
  if (keep < 1) return Status::InvalidArgument("--keep must be at least 1");
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare("SELECT version FROM models WHERE version NOT IN "
                  "(SELECT model_version FROM active_model) "
                  "AND version NOT IN (SELECT version FROM models ORDER BY version DESC LIMIT ?) "
                  "ORDER BY version"));
  select.Bind(1, keep);
  std::vector<int64_t> doomed;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    doomed.push_back(select.ColumnInt(0));
  }
  for (int64_t version : doomed) SONGVEC_RETURN_IF_ERROR(Delete(version));
  return doomed;
}

Status ModelStore::ReleaseFreePages() { return db_.Execute("PRAGMA incremental_vacuum"); }

Status ModelStore::SetMetrics(int64_t version, const std::string& metrics_json) {
  SONGVEC_ASSIGN_OR_RETURN(Statement update,
                           db_.Prepare("UPDATE models SET metrics = ? WHERE version = ?"));
  SONGVEC_RETURN_IF_ERROR(update.Bind(1, metrics_json).Bind(2, version).Run());
  SONGVEC_ASSIGN_OR_RETURN(Statement changes, db_.Prepare("SELECT changes()"));
  SONGVEC_ASSIGN_OR_RETURN(bool row, changes.Step());
  if (!row || changes.ColumnInt(0) == 0) return NotFoundVersion(version);
  return Status();
}

}  // namespace songvec
