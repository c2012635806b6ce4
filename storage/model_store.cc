#include "storage/model_store.h"

#include <bit>
#include <cstring>

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

Result<int64_t> ModelStore::Insert(const ModelInfo& info, const Embeddings& embeddings) {
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
  for (size_t row = 0; row < vocabulary.size(); ++row) {
    const auto r = static_cast<Eigen::Index>(row);
    SONGVEC_RETURN_IF_ERROR(vectors.Bind(1, version)
                                .Bind(2, static_cast<int64_t>(row))
                                .Bind(3, vocabulary.key(row))
                                .Bind(4, vocabulary.count(row))
                                .BindBlob(5, RowBytes(embeddings.input, r))
                                .BindBlob(6, RowBytes(embeddings.output, r))
                                .Run());
    vectors.Reset();
  }
  return version;
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
                  "version = (SELECT model_version FROM active_model) "
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
    for (int column : {3, 4}) {
      std::span<const std::byte> blob = select.ColumnBlob(column);
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
