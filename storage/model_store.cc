#include "storage/model_store.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "core/cooccurrence.h"
#include "core/pruned_index.h"

namespace songvec {
namespace {

// Vectors are stored as little-endian float32 (migrations/0001_init.sql); on such a host that is
// the in-memory layout, so rows are copied as they are.
static_assert(std::endian::native == std::endian::little,
              "songvec stores little-endian float32 vectors; add byte swapping for this host");

template <typename T>
std::span<const std::byte> Bytes(std::span<const T> values) {
  return std::as_bytes(values);
}
template <typename T>
std::span<std::byte> WritableBytes(std::span<T> values) {
  return std::as_writable_bytes(values);
}

// A model's values in model_blobs (migrations/0007_model_blobs.sql), and their chunks' size.
constexpr const char* kKeys = "keys";
constexpr const char* kCounts = "counts";
constexpr const char* kInput = "input";
constexpr const char* kOutput = "output";
constexpr const char* kRulesRows = "rules_rows";
constexpr const char* kCooccurrenceStarts = "cooccurrence_starts";
constexpr const char* kCooccurrenceEntries = "cooccurrence_entries";
constexpr const char* kLayoutSimilar = "layout_similar";
constexpr const char* kLayoutNext = "layout_next";
constexpr const char* kGraphSimilar = "graph_similar";
constexpr size_t kChunkBytes = size_t{16} << 20;

Status NotFoundVersion(int64_t version) {
  return Status::NotFound("there is no model version " + std::to_string(version));
}

// Corruption naming the first song whose vector holds a NaN or an infinity (a damaged file, or
// vectors imported from a tool that wrote one): served, such a vector ranks and scores as NaN.
// `model` says which model, for the message.
Status CheckFinite(const Embeddings& embeddings, const std::string& model) {
  for (const auto& [name, matrix] :
       {std::pair{"input", &embeddings.input}, std::pair{"output", &embeddings.output}}) {
    if (matrix->allFinite()) continue;
    for (Eigen::Index row = 0; row < matrix->rows(); ++row) {
      if (matrix->row(row).allFinite()) continue;
      return Status::Corruption(model + ": the " + name + " vector of song '" +
                                embeddings.vocabulary.key(static_cast<size_t>(row)) +
                                "' holds a value that is not a finite number");
    }
  }
  return Status();
}

}  // namespace

Result<StoredModel> ModelStore::Load(int64_t version) {
  StoredModel model;
  SONGVEC_ASSIGN_OR_RETURN(model.info, Get(version));
  SONGVEC_ASSIGN_OR_RETURN(model.embeddings, LoadEmbeddings(model.info));
  SONGVEC_ASSIGN_OR_RETURN(model.pairs, LoadPairScores(model.info));
  for (const auto& [name, layout] : {std::pair{kLayoutSimilar, &model.search.similar},
                                     std::pair{kLayoutNext, &model.search.next}}) {
    SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> bytes, BlobBytes(version, name));
    if (!bytes.has_value()) continue;
    layout->resize(*bytes / sizeof(int32_t));
    SONGVEC_RETURN_IF_ERROR(ReadBlob(version, name, WritableBytes(std::span<int32_t>(*layout))));
    if (*bytes % sizeof(int32_t) != 0 ||
        !PrunedIndex::ValidLayout(*layout, model.embeddings.vocabulary.size())) {
      return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": its " +
                                name + " value does not lay out its " +
                                std::to_string(model.embeddings.vocabulary.size()) + " songs");
    }
  }
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> graph_bytes, BlobBytes(version, kGraphSimilar));
  if (graph_bytes.has_value()) {
    model.search.similar_graph.resize(*graph_bytes);
    SONGVEC_RETURN_IF_ERROR(ReadBlob(version, kGraphSimilar,
                                     WritableBytes(std::span<char>(model.search.similar_graph))));
  }
  return model;
}

Result<int64_t> ModelStore::Insert(const ModelInfo& info, const Embeddings& embeddings,
                                   const SequentialRules* rules, const StoredSearch& search) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO models (algorithm, hyperparameters, trained_on, vocab_size, dim, "
                  "training_seconds, tokens, metrics, songvec_version, next_bias, rules_weight, "
                  "rules_per_play, rules_by_distance, context_decay, repeats, repeat_weight, "
                  "neighbors, neighbors_weight) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  const NextScoring& scoring = info.scoring;
  SONGVEC_RETURN_IF_ERROR(insert.Bind(1, info.algorithm)
                              .Bind(2, info.hyperparameters)
                              .Bind(3, info.trained_on)
                              .Bind(4, static_cast<int64_t>(embeddings.vocabulary.size()))
                              .Bind(5, int64_t{embeddings.dim()})
                              .Bind(6, info.training_seconds)
                              .Bind(7, info.tokens)
                              .Bind(8, info.metrics)
                              .Bind(9, info.songvec_version)
                              .Bind(10, double{scoring.popularity_weight})
                              .Bind(11, double{scoring.rules_weight})
                              .Bind(12, int64_t{scoring.rules_per_play})
                              .Bind(13, int64_t{scoring.rules_by_distance})
                              .Bind(14, double{scoring.context_decay})
                              .Bind(15, int64_t{scoring.repeats})
                              .Bind(16, double{scoring.repeat_weight})
                              .Bind(17, int64_t{scoring.neighbors})
                              .Bind(18, double{scoring.neighbors_weight})
                              .Run());
  const int64_t version = db_.LastInsertRowId();
  const Vocabulary& vocabulary = embeddings.vocabulary;
  std::string keys;
  for (const std::string& key : vocabulary.keys()) {
    if (key.find('\n') != std::string::npos) {
      return Status::InvalidArgument("song id '" + key + "' holds a line feed");
    }
    keys.append(key).push_back('\n');
  }
  SONGVEC_RETURN_IF_ERROR(PutBlob(version, kKeys, Bytes(std::span<const char>(keys))));
  SONGVEC_RETURN_IF_ERROR(
      PutBlob(version, kCounts, Bytes(std::span<const int64_t>(vocabulary.counts()))));
  auto matrix_bytes = [](const Matrix& matrix) {
    return Bytes(std::span<const float>(matrix.data(), static_cast<size_t>(matrix.size())));
  };
  // An imported model has no output vectors: it stores no output value.
  int64_t stored_bytes = 0;
  for (const auto& [name, matrix] :
       {std::pair{kInput, &embeddings.input}, std::pair{kOutput, &embeddings.output}}) {
    if (matrix->cols() == 0) continue;
    SONGVEC_RETURN_IF_ERROR(PutBlob(version, name, matrix_bytes(*matrix)));
    stored_bytes += static_cast<int64_t>(matrix->size() * sizeof(float));
  }
  if (rules != nullptr) {
    // int32 rows, stored as they lie in memory: little-endian.
    const std::span<const std::byte> rows = Bytes(std::span(rules->rows()));
    SONGVEC_RETURN_IF_ERROR(PutBlob(version, kRulesRows, rows));
    stored_bytes += static_cast<int64_t>(rows.size());
  }
  for (const auto& [name, layout] :
       {std::pair{kLayoutSimilar, &search.similar}, std::pair{kLayoutNext, &search.next}}) {
    if (!layout->empty()) {
      SONGVEC_RETURN_IF_ERROR(PutBlob(version, name, Bytes(std::span<const int32_t>(*layout))));
    }
  }
  if (!search.similar_graph.empty()) {
    SONGVEC_RETURN_IF_ERROR(
        PutBlob(version, kGraphSimilar, Bytes(std::span<const char>(search.similar_graph))));
  }
  SONGVEC_ASSIGN_OR_RETURN(Statement size,
                           db_.Prepare("UPDATE models SET stored_bytes = ? WHERE version = ?"));
  SONGVEC_RETURN_IF_ERROR(size.Bind(1, stored_bytes).Bind(2, version).Run());
  return version;
}

Status ModelStore::PutBlob(int64_t version, const char* name, std::span<const std::byte> bytes) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare(
          "INSERT INTO model_blobs (model_version, name, chunk, data) VALUES (?, ?, ?, ?)"));
  // An empty value is one empty chunk, so that it is there.
  int64_t chunk = 0;
  size_t offset = 0;
  do {
    const size_t length = std::min(kChunkBytes, bytes.size() - offset);
    SONGVEC_RETURN_IF_ERROR(insert.Bind(1, version)
                                .Bind(2, std::string(name))
                                .Bind(3, chunk++)
                                .BindBlob(4, bytes.subspan(offset, length))
                                .Run());
    insert.Reset();
    offset += length;
  } while (offset < bytes.size());
  return Status();
}

Result<std::optional<size_t>> ModelStore::BlobBytes(int64_t version, const char* name) {
  SONGVEC_ASSIGN_OR_RETURN(Statement select,
                           db_.Prepare("SELECT count(*), coalesce(sum(length(data)), 0) FROM "
                                       "model_blobs WHERE model_version = ? AND name = ?"));
  select.Bind(1, version).Bind(2, std::string(name));
  SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row || select.ColumnInt(0) == 0) return std::optional<size_t>();
  return std::optional<size_t>(static_cast<size_t>(select.ColumnInt(1)));
}

Status ModelStore::ReadBlob(int64_t version, const char* name, std::span<std::byte> into) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select, db_.Prepare("SELECT chunk, data FROM model_blobs WHERE model_version = ? "
                                    "AND name = ? ORDER BY chunk"));
  select.Bind(1, version).Bind(2, std::string(name));
  size_t offset = 0;
  for (int64_t chunk = 0;; ++chunk) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const std::span<const std::byte> data = select.ColumnBlob(1);
    if (select.ColumnInt(0) != chunk || data.size() > into.size() - offset) {
      return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": its " +
                                name + " value is damaged (chunk " + std::to_string(chunk) + ")");
    }
    std::memcpy(into.data() + offset, data.data(), data.size());
    offset += data.size();
  }
  if (offset != into.size()) {
    return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": its " + name +
                              " value holds " + std::to_string(offset) + " bytes, expected " +
                              std::to_string(into.size()));
  }
  return Status();
}

Result<std::shared_ptr<const PairScores>> ModelStore::LoadPairScores(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  return LoadPairScores(info);
}

Result<std::shared_ptr<const PairScores>> ModelStore::LoadPairScores(const ModelInfo& info) {
  const int64_t version = info.version;
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> keys_bytes, BlobBytes(version, kKeys));
  if (!keys_bytes.has_value()) return LoadLegacyCooccurrence(info);
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> rules_bytes, BlobBytes(version, kRulesRows));
  if (!rules_bytes.has_value()) return LoadCooccurrence(info);
  const std::string model = db_.path() + ": model " + std::to_string(version);
  if (*rules_bytes % sizeof(int32_t) != 0) {
    return Status::Corruption(model + ": its sequential rules are " + std::to_string(*rules_bytes) +
                              " bytes, not whole entries");
  }
  std::vector<int32_t> rows(*rules_bytes / sizeof(int32_t));
  SONGVEC_RETURN_IF_ERROR(ReadBlob(version, kRulesRows, WritableBytes(std::span(rows))));
  Result<SequentialRules> rules =
      SequentialRules::FromRows(std::move(rows), static_cast<size_t>(info.vocab_size));
  if (!rules.ok()) return Status::Corruption(model + ": " + rules.status().message());
  return std::shared_ptr<const PairScores>(
      std::make_shared<const SequentialRules>(std::move(rules).value()));
}

// Blend models stored with co-occurrence counts, before sequential rules replaced them.
Result<std::shared_ptr<const PairScores>> ModelStore::LoadCooccurrence(const ModelInfo& info) {
  const int64_t version = info.version;
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> starts_bytes,
                           BlobBytes(version, kCooccurrenceStarts));
  if (!starts_bytes.has_value()) return std::shared_ptr<const PairScores>();
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": " + what);
  };
  const auto rows = static_cast<size_t>(info.vocab_size);
  std::vector<uint64_t> stored_starts(rows + 1);
  SONGVEC_RETURN_IF_ERROR(
      ReadBlob(version, kCooccurrenceStarts, WritableBytes(std::span<uint64_t>(stored_starts))));
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> entries_bytes,
                           BlobBytes(version, kCooccurrenceEntries));
  const size_t entry_bytes = entries_bytes.value_or(0);
  if (entry_bytes % 8 != 0 || stored_starts[0] != 0 || stored_starts[rows] != entry_bytes / 8) {
    return corrupt("its co-occurrence counts do not match their offsets");
  }
  for (size_t row = 0; row < rows; ++row) {
    if (stored_starts[row] > stored_starts[row + 1]) {
      return corrupt("its co-occurrence offsets go back at row " + std::to_string(row));
    }
  }
  std::vector<std::pair<int32_t, int32_t>> entries(entry_bytes / 8);
  SONGVEC_RETURN_IF_ERROR(
      ReadBlob(version, kCooccurrenceEntries, std::as_writable_bytes(std::span(entries))));
  for (const auto& entry : entries) {
    if (entry.first < 0 || entry.first >= info.vocab_size) {
      return corrupt("a co-occurrence entry names row " + std::to_string(entry.first) + " of " +
                     std::to_string(rows));
    }
  }
  std::vector<size_t> starts(stored_starts.begin(), stored_starts.end());
  return std::shared_ptr<const PairScores>(
      std::make_shared<const Cooccurrence>(std::move(starts), std::move(entries)));
}

// Models stored before migration 7: a row of model_cooccurrence per vocabulary row.
Result<std::shared_ptr<const PairScores>> ModelStore::LoadLegacyCooccurrence(
    const ModelInfo& info) {
  const int64_t version = info.version;
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
  if (!any) return std::shared_ptr<const PairScores>();
  std::partial_sum(starts.begin(), starts.end(), starts.begin());
  return std::shared_ptr<const PairScores>(
      std::make_shared<const Cooccurrence>(std::move(starts), std::move(entries)));
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
  SONGVEC_ASSIGN_OR_RETURN(std::vector<ModelInfo> found, Select("WHERE version = ?", version));
  if (found.empty()) return NotFoundVersion(version);
  return std::move(found.front());
}

Result<std::vector<ModelInfo>> ModelStore::Select(const std::string& where,
                                                  std::optional<int64_t> version) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare("SELECT version, created_at, algorithm, hyperparameters, trained_on, metrics, "
                  "songvec_version, vocab_size, dim, training_seconds, tokens, "
                  "version = (SELECT model_version FROM active_model), stored_bytes, "
                  "next_bias, rules_weight, rules_per_play, rules_by_distance, context_decay, "
                  "repeats, repeat_weight, neighbors, neighbors_weight "
                  "FROM models " +
                  where + " ORDER BY version"));
  if (version) select.Bind(1, *version);
  std::vector<ModelInfo> models;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ModelInfo& info = models.emplace_back();
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
    NextScoring& scoring = info.scoring;
    scoring.popularity_weight = static_cast<float>(select.ColumnDouble(13));
    scoring.rules_weight = static_cast<float>(select.ColumnDouble(14));
    scoring.rules_per_play = select.ColumnInt(15) != 0;
    scoring.rules_by_distance = select.ColumnInt(16) != 0;
    scoring.context_decay = static_cast<float>(select.ColumnDouble(17));
    scoring.repeats = select.ColumnInt(18) != 0;
    scoring.repeat_weight = static_cast<float>(select.ColumnDouble(19));
    scoring.neighbors = static_cast<int>(select.ColumnInt(20));
    scoring.neighbors_weight = static_cast<float>(select.ColumnDouble(21));
  }
  return models;
}

Result<Embeddings> ModelStore::LoadEmbeddings(int64_t version) {
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, Get(version));
  return LoadEmbeddings(info);
}

Result<Embeddings> ModelStore::LoadEmbeddings(const ModelInfo& info) {
  const int64_t version = info.version;
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> keys_bytes, BlobBytes(version, kKeys));
  if (!keys_bytes.has_value()) return LoadLegacyEmbeddings(info);
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption(db_.path() + ": model " + std::to_string(version) + ": " + what);
  };
  const auto rows = static_cast<size_t>(info.vocab_size);
  std::string keys_blob(*keys_bytes, '\0');
  SONGVEC_RETURN_IF_ERROR(ReadBlob(version, kKeys, WritableBytes(std::span<char>(keys_blob))));
  std::vector<std::string> keys;
  keys.reserve(rows);
  for (size_t start = 0; start < keys_blob.size();) {
    const size_t end = keys_blob.find('\n', start);
    if (end == std::string::npos) return corrupt("its song ids do not end with a line feed");
    keys.emplace_back(keys_blob, start, end - start);
    start = end + 1;
  }
  if (keys.size() != rows) {
    return corrupt("has " + std::to_string(keys.size()) + " song ids, expected " +
                   std::to_string(rows));
  }
  std::vector<int64_t> counts(rows);
  SONGVEC_RETURN_IF_ERROR(ReadBlob(version, kCounts, WritableBytes(std::span<int64_t>(counts))));
  Embeddings embeddings{Vocabulary(), Matrix(static_cast<Eigen::Index>(rows), info.dim),
                        Matrix(static_cast<Eigen::Index>(rows), info.dim)};
  SONGVEC_ASSIGN_OR_RETURN(std::optional<size_t> output_bytes, BlobBytes(version, kOutput));
  if (!output_bytes.has_value()) embeddings.output = Matrix();
  for (const auto& [name, matrix] :
       {std::pair{kInput, &embeddings.input}, std::pair{kOutput, &embeddings.output}}) {
    if (matrix->cols() == 0) continue;
    SONGVEC_RETURN_IF_ERROR(ReadBlob(
        version, name,
        WritableBytes(std::span<float>(matrix->data(), static_cast<size_t>(matrix->size())))));
  }
  embeddings.vocabulary = Vocabulary(std::move(keys), std::move(counts));
  SONGVEC_RETURN_IF_ERROR(
      CheckFinite(embeddings, db_.path() + ": model " + std::to_string(version)));
  return embeddings;
}

// Models stored before migration 7: a row of model_vectors per song.
Result<Embeddings> ModelStore::LoadLegacyEmbeddings(const ModelInfo& info) {
  const int64_t version = info.version;
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
  SONGVEC_RETURN_IF_ERROR(
      CheckFinite(embeddings, db_.path() + ": model " + std::to_string(version)));
  return embeddings;
}

Result<std::vector<ModelInfo>> ModelStore::List() { return Select("", std::nullopt); }

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

Status ModelStore::AddEvaluation(int64_t version, const std::string& by,
                                 const std::string& next_song_json) {
  // One statement, so that two evaluations stored at once both land (no read-modify-write).
  // json_insert's '[#]' appends, but only to an array that is there: coalesce makes the first.
  SONGVEC_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare(
          "UPDATE models SET metrics = json_set(metrics, '$.evaluations', "
          "json_insert(coalesce(json_extract(metrics, '$.evaluations'), json('[]')), '$[#]', "
          "json_object('evaluated_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'by', ?1, "
          "'next_song', json(?2))), '$.next_song', json(?2)) "
          "WHERE version = ?3"));
  SONGVEC_RETURN_IF_ERROR(update.Bind(1, by).Bind(2, next_song_json).Bind(3, version).Run());
  SONGVEC_ASSIGN_OR_RETURN(Statement changes, db_.Prepare("SELECT changes()"));
  SONGVEC_ASSIGN_OR_RETURN(bool row, changes.Step());
  if (!row || changes.ColumnInt(0) == 0) return NotFoundVersion(version);
  return Status();
}

}  // namespace songvec
