#include "server/database_reader.h"

#include "storage/catalog_store.h"

namespace songvec {

Result<std::unique_ptr<DatabaseReader>> DatabaseReader::Open(const std::string& db_path) {
  std::unique_ptr<DatabaseReader> reader(new DatabaseReader());
  for (size_t i = 0; i < kConnections; ++i) {
    SONGVEC_ASSIGN_OR_RETURN(Database db, Database::Open(db_path, Database::Mode::kReadOnly));
    reader->connections_.push_back(std::make_unique<Connection>(std::move(db)));
  }
  return reader;
}

template <typename Read>
auto DatabaseReader::With(Read read) {
  // The first free connection from a rotating start; if none is, the start's.
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < connections_.size(); ++i) {
    Connection& connection = *connections_[(start + i) % connections_.size()];
    std::unique_lock<std::mutex> lock(connection.mu, std::try_to_lock);
    if (lock.owns_lock()) return read(connection.db);
  }
  Connection& connection = *connections_[start % connections_.size()];
  std::lock_guard<std::mutex> lock(connection.mu);
  return read(connection.db);
}

Result<std::vector<Song>> DatabaseReader::Search(std::string_view query, int64_t limit,
                                                 int64_t offset,
                                                 const CatalogStore::SearchScore& score) {
  return With([&](Database& db) { return CatalogStore(db).Search(query, limit, offset, score); });
}

Result<std::vector<ModelInfo>> DatabaseReader::Models() {
  return With([](Database& db) { return ModelStore(db).List(); });
}

Result<ModelInfo> DatabaseReader::Model(int64_t version) {
  return With([version](Database& db) { return ModelStore(db).Get(version); });
}

}  // namespace songvec
